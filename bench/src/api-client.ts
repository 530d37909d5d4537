/**
 * A minimal client for the bench's setup calls (login, create a token). It trusts the
 * server's self-signed certificate because it only ever talks to loopback.
 */
import { request } from "node:https";

export interface ApiResponse {
  status: number;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

export async function callApi(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: Record<string, unknown>; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const url = new URL(`/api2/json${path}`, baseUrl);
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        rejectUnauthorized: false,
        headers: {
          ...(payload === undefined ? {} : { "content-type": "application/json" }),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // Not JSON: keep the text for the error message.
          }
          resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
        });
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on("error", reject);
    req.end(payload);
  });
}

function dataOf(response: ApiResponse, what: string): Record<string, unknown> {
  const body = response.body as { data?: unknown } | undefined;
  if (response.status !== 200 || typeof body?.data !== "object" || body.data === null) {
    throw new Error(`${what} failed: HTTP ${response.status} ${JSON.stringify(response.body)}`);
  }
  return body.data as Record<string, unknown>;
}

/** Logs in with the legacy flow and returns the ticket and CSRF token. */
export async function login(baseUrl: string, username: string, password: string) {
  const data = dataOf(await callApi(baseUrl, "POST", "/access/ticket", { body: { username, password } }), "login");
  return { ticket: String(data.ticket), csrf: String(data.CSRFPreventionToken) };
}

/** Creates an API token for `userid` and returns its id and secret. */
export async function createToken(baseUrl: string, session: { ticket: string; csrf: string }, userid: string, name: string) {
  const response = await callApi(baseUrl, "POST", `/access/users/${encodeURIComponent(userid)}/token/${name}`, {
    body: {},
    headers: { cookie: `__Host-PBSAuthCookie=${session.ticket}`, CSRFPreventionToken: session.csrf },
  });
  const data = dataOf(response, "token create");
  return { tokenid: String(data.tokenid), secret: String(data.value) };
}
