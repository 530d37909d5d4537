/**
 * The one way the SPA talks to the server: `/api2/extjs` on the same origin (PBS's
 * own UI path: every outcome is a JSON body with `success` and the real `status`,
 * and a parameter error names each bad field; docs/decisions/015-api-formats.md),
 * JSON bodies, the CSRF token on every non-GET request, `{data}` unwrapped on
 * success and an `ApiError` with the server's message otherwise. A 401 interrupts the
 * session: any screen that hits an expired or tampered cookie gets a re-login dialog
 * over it.
 */
import { ApiError } from "./api-error.js";
import { sessionStore, type SessionStore } from "./session.js";

export const API_BASE = "/api2/extjs";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

export type QueryParams = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: QueryParams;
  body?: Record<string, unknown>;
  /** Login sets this false: its 401 means "wrong credentials", not "session over". */
  endsSessionOn401?: boolean;
  signal?: AbortSignal;
}

export interface ApiClientOptions {
  fetch: typeof globalThis.fetch;
  sessionStore: SessionStore;
}

export interface ApiClient {
  request<T>(method: HttpMethod, path: string, options?: RequestOptions): Promise<T>;
  /** A paged GET (the listing extension): one page of rows and the count of every match. */
  requestPage<T>(path: string, options?: RequestOptions): Promise<Page<T>>;
}

export interface Page<T> {
  rows: T[];
  total: number;
}

/** Percent-encodes one path segment: userids carry `@`, token ids `!`. */
export function encodePathSegment(segment: string): string {
  return encodeURIComponent(segment);
}

export function buildApiUrl(path: string, query?: QueryParams): string {
  const url = `${API_BASE}${path.startsWith("/") ? path : `/${path}`}`;
  if (query === undefined) return url;
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    search.set(key, typeof value === "boolean" ? (value ? "1" : "0") : String(value));
  }
  const text = search.toString();
  return text === "" ? url : `${url}?${text}`;
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return (await response.json()) as unknown;
  } catch {
    return null;
  }
}

function toApiError(status: number, statusText: string, body: unknown): ApiError {
  let message = statusText === "" ? `request failed with status ${status}` : statusText;
  let errors: Record<string, string> = {};
  if (typeof body === "object" && body !== null) {
    const record = body as Record<string, unknown>;
    if (typeof record["message"] === "string" && record["message"].trim() !== "") {
      message = record["message"].trim();
    }
    const rawErrors = record["errors"];
    if (typeof rawErrors === "object" && rawErrors !== null) {
      errors = Object.fromEntries(
        Object.entries(rawErrors as Record<string, unknown>).filter(
          (entry): entry is [string, string] => typeof entry[1] === "string",
        ),
      );
    }
  }
  return new ApiError(status, message, errors);
}

/** The status an ExtJS body reports for a failure (`success: false`), else null. */
function readExtjsFailureStatus(body: unknown): number | null {
  if (typeof body !== "object" || body === null) return null;
  const record = body as Record<string, unknown>;
  if (record["success"] !== false) return null;
  const status = record["status"];
  // A failure without a usable status is still a failure; 400 is the formatter's own default.
  return typeof status === "number" && Number.isInteger(status) && status >= 400 ? status : 400;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const { fetch, sessionStore: store } = options;

  async function send(method: HttpMethod, path: string, requestOptions: RequestOptions): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = { Accept: "application/json" };
    const session = store.getState().session;
    if (method !== "GET" && session !== null) headers["CSRFPreventionToken"] = session.csrfToken;
    let body: string | undefined;
    if (requestOptions.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(requestOptions.body);
    }

    let response: Response;
    try {
      response = await fetch(buildApiUrl(path, requestOptions.query), {
        method,
        headers,
        body,
        credentials: "same-origin",
        cache: "no-store",
        signal: requestOptions.signal,
      });
    } catch (cause) {
      if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
      throw new ApiError(0, "network error");
    }

    const json = await readJson(response);
    // ExtJS answers 200 and puts the outcome in the body; anything else (a proxy, Node's
    // HTTP parser refusing the request) speaks through the HTTP status.
    const failedStatus = !response.ok ? response.status : readExtjsFailureStatus(json);
    if (failedStatus !== null) {
      if (failedStatus === 401 && requestOptions.endsSessionOn401 !== false && store.getState().session !== null) {
        store.interrupt();
      }
      throw toApiError(failedStatus, response.ok ? "" : response.statusText, json);
    }
    if (typeof json !== "object" || json === null || !("data" in json)) {
      throw new ApiError(response.status, "the server sent a response the console does not understand");
    }
    return json;
  }

  async function request<T>(method: HttpMethod, path: string, requestOptions: RequestOptions = {}): Promise<T> {
    // The same-origin bff is the other half of the wire contract; shapes are its promise.
    return (await send(method, path, requestOptions))["data"] as T;
  }

  async function requestPage<T>(path: string, requestOptions: RequestOptions = {}): Promise<Page<T>> {
    const body = await send("GET", path, requestOptions);
    const rows = body["data"];
    const total = body["total"];
    if (!Array.isArray(rows) || typeof total !== "number") {
      throw new ApiError(200, "the server sent a list without its total; is it older than the console?");
    }
    return { rows: rows as T[], total };
  }

  return { request, requestPage };
}

export const api: ApiClient = createApiClient({
  fetch: (input, init) => globalThis.fetch(input, init),
  sessionStore,
});
