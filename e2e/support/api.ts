/**
 * Direct API access for the suites: an admin session for arranging data, and a
 * cookie-less context for using API tokens (a cookie would win over the token
 * header and make a token check meaningless).
 */
import { expect, request, type APIRequestContext } from "@playwright/test";
import { ADMIN_PASSWORD, ADMIN_USERID, BASE_URL } from "./env.js";

export interface ApiSession {
  context: APIRequestContext;
  csrfToken: string;
  call(method: "GET" | "POST" | "PUT" | "DELETE", path: string, data?: Record<string, unknown>): Promise<unknown>;
  dispose(): Promise<void>;
}

/** Logs in through the HttpOnly flow; the context's cookie jar keeps the ticket. */
export async function openApiSession(userid = ADMIN_USERID, password = ADMIN_PASSWORD): Promise<ApiSession> {
  const context = await request.newContext({
    baseURL: BASE_URL,
    ignoreHTTPSErrors: true,
    storageState: { cookies: [], origins: [] },
  });
  const login = await context.post("/api2/json/access/ticket", {
    data: { username: userid, password, "http-only": true },
  });
  expect(login.status(), "API login").toBe(200);
  const body = (await login.json()) as { data: { CSRFPreventionToken: string } };
  const csrfToken = body.data.CSRFPreventionToken;
  return {
    context,
    csrfToken,
    async call(method, path, data) {
      const response = await context.fetch(`/api2/json${path}`, {
        method,
        headers: method === "GET" ? {} : { CSRFPreventionToken: csrfToken },
        ...(data === undefined ? {} : { data }),
      });
      const text = await response.text();
      expect(response.status(), `${method} ${path}: ${text}`).toBe(200);
      return (JSON.parse(text) as { data: unknown }).data;
    },
    dispose: () => context.dispose(),
  };
}

/** Status of GET /version authenticated by the token alone. */
export async function fetchVersionStatusWithToken(tokenid: string, secret: string): Promise<number> {
  // Explicitly empty: inside the test runner, new request contexts inherit the
  // project's storageState, and the admin cookie would authenticate instead.
  const context = await request.newContext({
    baseURL: BASE_URL,
    ignoreHTTPSErrors: true,
    storageState: { cookies: [], origins: [] },
  });
  try {
    expect((await context.storageState()).cookies, "token requests carry no cookie").toEqual([]);
    const response = await context.get("/api2/json/version", {
      headers: { Authorization: `PBSAPIToken=${tokenid}:${secret}` },
    });
    return response.status();
  } finally {
    await context.dispose();
  }
}
