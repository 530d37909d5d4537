/** The failures a Gatehouse or PBS client call can end in, as typed classes with fields. */
import type { TfaChallenge } from "@gatehouse/bff/wire";

/** The server answered with an error status. */
export class GatehouseApiError extends Error {
  override readonly name = "GatehouseApiError";

  constructor(
    /** The HTTP status, e.g. 400, 401, 403, 404, 409, 429, 503. */
    readonly status: number,
    /** The server's one-line message; `message` adds the status, the request and `errors`. */
    readonly serverMessage: string,
    /** Per-parameter reasons of a 400, keyed by parameter name; empty otherwise. */
    readonly errors: Readonly<Record<string, string>>,
    /** `METHOD /path` of the call. */
    readonly request: string,
  ) {
    super(formatApiErrorMessage(status, serverMessage, errors, request));
  }
}

function formatApiErrorMessage(status: number, message: string, errors: Readonly<Record<string, string>>, request: string): string {
  const details = Object.entries(errors).map(([name, reason]) => `${name}: ${reason}`);
  return `${request} failed with ${status}: ${message}${details.length > 0 ? ` (${details.join("; ")})` : ""}`;
}

/** The server could not be reached, or the connection broke (no HTTP answer). */
export class GatehouseConnectionError extends Error {
  override readonly name = "GatehouseConnectionError";

  constructor(
    readonly url: string,
    options: { cause: unknown },
  ) {
    super(`cannot reach ${url}: ${describeCause(options.cause)}`, options);
  }
}

/**
 * A login answer the client cannot continue from: no ticket in the body and no
 * `__Host-` cookie it can hold. Happens when a Node script talks to a server that
 * sets the cookie under another name, or a proxy strips Set-Cookie.
 */
export class LoginFlowError extends Error {
  override readonly name = "LoginFlowError";
}

/** The server's certificate is not the pinned one. */
export class TlsFingerprintMismatchError extends Error {
  override readonly name = "TlsFingerprintMismatchError";
  readonly code = "ERR_GATEHOUSE_FINGERPRINT_MISMATCH";

  constructor(
    readonly host: string,
    /** Both as colon-separated lower-case hex, the form proxmox-backup-client prints. */
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `refusing to connect to ${host}: its TLS certificate fingerprint ${actual} does not match the pinned fingerprint ${expected} ` +
        "(the certificate was replaced, or someone is intercepting the connection)",
    );
  }
}

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  // undici wraps the socket error: `fetch failed` with the real reason as its cause.
  const inner = cause.cause instanceof Error ? cause.cause : cause;
  const code = (inner as { code?: unknown }).code;
  return typeof code === "string" && !inner.message.includes(code) ? `${inner.message} (${code})` : inner.message;
}

/**
 * The password was right and the user has second factors: the server answered with
 * a partial ticket. Answer `challenge` and pass the answer to
 * `GatehouseClient.completeSecondFactor` (or configure `secondFactor`).
 */
export class SecondFactorRequiredError extends Error {
  override readonly name = "SecondFactorRequiredError";

  constructor(
    readonly username: string,
    /** `PBS:!tfa!...`: good only for the second step, for a few minutes. */
    readonly partialTicket: string,
    /** Which factors the user may answer with: `totp`, `recovery` (unused key indices), `webauthn` (request options). */
    readonly challenge: TfaChallenge,
  ) {
    super(`${username} needs a second factor: ${Object.keys(challenge).join(", ") || "none offered"}`);
  }
}
