/**
 * A small HTTPS client for the integration tests. It trusts exactly the server's
 * self-signed certificate (certificate checks are never switched off) and only ever
 * talks to loopback.
 */
import { Agent, request, type Dispatcher } from "undici";

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  json:
    { data?: unknown; message?: string; errors?: Record<string, string>; digest?: string; success?: boolean; status?: number } | undefined;
  /** Every Set-Cookie header, in order. */
  setCookies: string[];
}

export interface CallOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as application/x-www-form-urlencoded; arrays repeat the key. */
  form?: Record<string, string | string[]>;
  /** Sent verbatim, with `contentType`. */
  rawBody?: string | Buffer;
  contentType?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** Close the connection afterwards, so the next request opens a new one. */
  freshConnection?: boolean;
}

export class HttpsTestClient {
  readonly dispatcher: Agent;

  constructor(
    readonly baseUrl: string,
    caCertPem: string,
  ) {
    this.dispatcher = new Agent({ connect: { ca: caCertPem, servername: "localhost" } });
  }

  async call(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
    const url = new URL(path, this.baseUrl);
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.append(key, value);
    const headers: Record<string, string> = { ...options.headers };
    let body: string | Buffer | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    } else if (options.form !== undefined) {
      const form = new URLSearchParams();
      for (const [key, value] of Object.entries(options.form)) {
        for (const item of Array.isArray(value) ? value : [value]) form.append(key, item);
      }
      body = form.toString();
      headers["content-type"] = "application/x-www-form-urlencoded";
    } else if (options.rawBody !== undefined) {
      body = options.rawBody;
      if (options.contentType !== undefined) headers["content-type"] = options.contentType;
    }
    const response = await request(url, {
      method: method as "GET",
      headers,
      body,
      dispatcher: this.dispatcher,
      reset: options.freshConnection === true,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    return toApiResponse(response);
  }

  /** `call` on a path under /api2/json. */
  api(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
    return this.call(method, `/api2/json${path}`, options);
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}

/** Reads an undici response whole: status, headers, text, the JSON body if it is JSON, and every Set-Cookie. */
export async function toApiResponse(response: Dispatcher.ResponseData): Promise<ApiResponse> {
  const text = await response.body.text();
  let json: ApiResponse["json"];
  try {
    json = JSON.parse(text) as ApiResponse["json"];
  } catch {
    json = undefined;
  }
  const rawCookies = response.headers["set-cookie"];
  const setCookies = rawCookies === undefined ? [] : Array.isArray(rawCookies) ? rawCookies : [rawCookies];
  return { status: response.statusCode, headers: response.headers, text, json, setCookies };
}

/**
 * The bad parameters of a /api2/json parameter error. PBS's JSON formatter sends
 * the error as text (formatters.ts): a headline, a blank line, then one
 * `parameter '<name>': <why>` line each. Empty for any other body.
 */
export function readParameterErrors(response: Pick<ApiResponse, "text">): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const match of response.text.matchAll(/^parameter '(.*)': (.*)$/gm)) {
    if (match[1] !== undefined && match[2] !== undefined) errors[match[1]] = match[2];
  }
  return errors;
}

/** Header set for a cookie session: the ticket cookie and, for changes, the CSRF token. */
export function cookieHeaders(session: { ticket: string; csrf?: string }): Record<string, string> {
  const headers: Record<string, string> = { cookie: `__Host-PBSAuthCookie=${session.ticket}` };
  if (session.csrf !== undefined) headers.CSRFPreventionToken = session.csrf;
  return headers;
}

/** Header for API token authentication. */
export function tokenHeaders(tokenid: string, secret: string, separator: "=" | " " = "="): Record<string, string> {
  return { authorization: `PBSAPIToken${separator}${tokenid}:${secret}` };
}
