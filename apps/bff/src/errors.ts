/**
 * The one registry of HTTP-level failures the bff raises itself. Routes and
 * middleware throw `ApiError(code)`; only the error handler turns a code into a
 * status and a body, so every message for a given failure is the same everywhere.
 */

interface ErrorSpec {
  status: number;
  message: string;
}

export const ERRORS = {
  // One generic message for every failed login, so a response never tells whether
  // the user exists.
  LOGIN_FAILED: { status: 401, message: "authentication failure" },
  AUTH_REQUIRED: { status: 401, message: "authentication required: send a ticket cookie or an API token" },
  AUTH_FAILED: { status: 401, message: "authentication failed: invalid or expired credentials" },
  AUTH_HEADER_MALFORMED: {
    status: 401,
    message: "malformed Authorization header: expected 'PBSAPIToken=<user@realm!token>:<secret>'",
  },
  LOGIN_CROSS_SITE: {
    status: 403,
    message: "login refused: a login that sets the session cookie must come from this server's own pages (Origin / Sec-Fetch-Site)",
  },
  CSRF_MISSING: { status: 401, message: "missing CSRFPreventionToken header (required with cookie authentication)" },
  CSRF_INVALID: { status: 401, message: "invalid or expired CSRFPreventionToken header" },
  PARAMETER_INVALID: { status: 400, message: "parameter verification failed" },
  BODY_MALFORMED: { status: 400, message: "request body is not valid JSON or form data" },
  BODY_NOT_OBJECT: { status: 400, message: "request body must be a JSON object or form data" },
  REQUEST_MALFORMED: { status: 400, message: "malformed request" },
  BODY_TOO_LARGE: { status: 413, message: "request body too large" },
  UNSUPPORTED_ENCODING: { status: 415, message: "unsupported request body charset or content encoding" },
  ROUTE_NOT_FOUND: { status: 404, message: "no such API route" },
  // PBS refuses any /api2/<format> but json and extjs; a 404 here, since no route is there either.
  FORMAT_UNSUPPORTED: { status: 404, message: "unsupported output format: use /api2/json or /api2/extjs" },
  STORE_BUSY: { status: 503, message: "the access store is busy, retry shortly" },
  METRICS_UNAVAILABLE: { status: 503, message: "the workers' metrics could not be collected, retry shortly" },
  INTERNAL: { status: 500, message: "internal server error" },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export interface ApiErrorDetails {
  /** Replaces the registry's message where the failure names what it is about (PBS: `Path '...' not found.`). */
  message?: string;
  /** Per-parameter reasons, sent as `errors` beside the message. */
  errors?: Record<string, string>;
  /** Seconds for the `Retry-After` header. */
  retryAfterS?: number;
}

export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    readonly details: ApiErrorDetails = {},
    options?: ErrorOptions,
  ) {
    super(details.message ?? ERRORS[code].message, options);
    this.status = ERRORS[code].status;
  }
}

/** Builds the 400 for parameter failures from a per-parameter map. */
export function createParameterError(errors: Record<string, string>): ApiError {
  return new ApiError("PARAMETER_INVALID", { errors });
}

/**
 * A problem that stops the server before it serves: bad TLS material, an
 * unreachable store. `main` prints the message alone (no stack) and exits 1.
 */
export class StartupError extends Error {
  override readonly name = "StartupError";
}
