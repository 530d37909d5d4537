/**
 * The one way the SPA talks to the server: `@gatehouse/client` in browser mode, on
 * `/api2/extjs` of the same origin (PBS's own UI path: every outcome is a JSON body
 * with `success` and the real `status`, and a parameter error names each bad field;
 * docs/decisions/015-api-formats.md). The client holds the CSRF token and renews the
 * ticket; the ticket itself stays in the HttpOnly `__Host-` cookie, out of reach of
 * script. This module adapts it to the console: errors become an `ApiError` the pages
 * know, and a 401 on any authenticated call interrupts the session, so any screen
 * that hits an expired or revoked cookie gets a re-login dialog over it.
 */
import {
  GatehouseApiError,
  GatehouseClient,
  GatehouseConnectionError,
  type SecondFactorRequiredError,
  type FetchLike,
} from "@gatehouse/client";
import { ApiError } from "./api-error.js";
import { sessionStore, type Session, type SessionStore } from "./session.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

export type QueryParams = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  /** GET and DELETE parameters, sent in the query string. */
  query?: QueryParams;
  /** POST and PUT parameters, sent as a JSON body. */
  body?: Record<string, unknown>;
  signal?: AbortSignal;
}

export interface ApiClientOptions {
  fetch: FetchLike;
  sessionStore: SessionStore;
}

export interface Page<T> {
  rows: T[];
  total: number;
}

export interface ApiClient {
  request<T>(method: HttpMethod, path: string, options?: RequestOptions): Promise<T>;
  /** A paged GET (the listing extension): one page of rows and the count of every match. */
  requestPage<T>(path: string, options?: RequestOptions): Promise<Page<T>>;
  /**
   * Password login in the HttpOnly flow; a 401 here means wrong credentials, not
   * "session over". A user with second factors gets a SecondFactorRequiredError
   * (thrown as is), to answer through `completeSecondFactor`.
   */
  login(userid: string, password: string): Promise<Session>;
  /** The second step: `response` is `totp:<code>`, `recovery:<key>` or `webauthn:<json>`; 401 when refused. */
  completeSecondFactor(required: SecondFactorRequiredError, response: string): Promise<Session>;
  /** Takes over the session the server handed the index page after a reload. */
  resume(session: { username: string; csrfToken: string }): void;
  /** Renews the ticket from its cookie; the client keeps the fresh CSRF token. */
  renew(): Promise<void>;
  logout(): Promise<void>;
  /** The realms; needs no session. */
  listDomains<T>(signal?: AbortSignal): Promise<T>;
}

/** Percent-encodes one path segment: userids carry `@`, token ids `!`. */
export function encodePathSegment(segment: string): string {
  return encodeURIComponent(segment);
}

/** The client's failures as the pages show them; an abort stays an abort. */
export function toApiError(error: unknown): unknown {
  if (error instanceof GatehouseApiError) return new ApiError(error.status, error.serverMessage, error.errors);
  if (error instanceof DOMException && error.name === "AbortError") return error;
  if (error instanceof GatehouseConnectionError) return new ApiError(0, "network error");
  return error;
}

async function adapt<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toApiError(error);
  }
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const store = options.sessionStore;
  const gatehouse = new GatehouseClient({
    baseUrl: "",
    cookies: "browser",
    format: "extjs",
    fetch: options.fetch,
    // A page waits for nobody: one short retry of a busy server, then the error and its Retry button.
    retry: { maxRetries: 1, maxDelayMs: 5_000 },
    hooks: {
      onUnauthorized: () => {
        if (store.getState().session !== null) store.interrupt();
      },
    },
  });

  function request<T>(method: HttpMethod, path: string, requestOptions: RequestOptions = {}): Promise<T> {
    const params = { ...requestOptions.query, ...requestOptions.body };
    return adapt(async () => (await gatehouse.request<T>(method, path, params, { signal: requestOptions.signal })).data);
  }

  function requestPage<T>(path: string, requestOptions: RequestOptions = {}): Promise<Page<T>> {
    return adapt(async () => {
      const reply = await gatehouse.request<T[]>("GET", path, { ...requestOptions.query }, { signal: requestOptions.signal });
      if (!Array.isArray(reply.data) || reply.total === undefined) {
        throw new ApiError(200, "the server sent a list without its total; is it older than the console?");
      }
      return { rows: reply.data, total: reply.total };
    });
  }

  return {
    request,
    requestPage,
    login: (userid, password) =>
      adapt(async () => {
        const info = await gatehouse.login({ username: userid, password });
        return { username: info.username };
      }),
    completeSecondFactor: (required, response) =>
      adapt(async () => {
        const info = await gatehouse.completeSecondFactor(required, response);
        return { username: info.username };
      }),
    resume: (session) => gatehouse.resumeSession({ username: session.username, CSRFPreventionToken: session.csrfToken }),
    renew: () =>
      adapt(async () => {
        try {
          await gatehouse.renew();
        } catch (error) {
          // A refused renewal is the session ending (revoked, expired, keys rotated).
          if (error instanceof GatehouseApiError && error.status === 401 && store.getState().session !== null) store.interrupt();
          throw error;
        }
      }),
    logout: () => adapt(() => gatehouse.logout()),
    listDomains: <T>(signal?: AbortSignal) => adapt(async () => (await gatehouse.listDomains({ signal })) as T),
  };
}

export const api: ApiClient = createApiClient({
  fetch: (input, init) => globalThis.fetch(input, init),
  sessionStore,
});
