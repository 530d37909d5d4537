import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { listApiRoutes } from "../app.js";
import { ERRORS } from "../errors.js";
import { cookieHeaders, tokenHeaders } from "../test-support/https-client.js";
import { createToken, grantRole, logIn, sessionHeaders, type Session } from "../test-support/sessions.js";
import { TEST_ADMIN, startTestServer, type TestServer } from "../test-support/test-server.js";
import { CSRF_EXEMPT_ROUTES } from "./require-csrf.js";

let server: TestServer;
let session: Session;

beforeAll(async () => {
  server = await startTestServer();
  session = await logIn(server.client);
});
afterAll(async () => {
  await server?.stop();
});

const PATH_VALUES: Record<string, string> = { userid: "csrf-probe@pbs", tokenname: "probe", id: "probe" };

function fillPath(path: string): string {
  return path.replace(/:(\w+)/g, (_match, name: string) => {
    const value = PATH_VALUES[name];
    if (value === undefined) throw new Error(`no test value for path parameter :${name}; add one to PATH_VALUES`);
    return encodeURIComponent(value);
  });
}

describe("CSRF protection", () => {
  test("exactly login and logout are exempt, and neither needs authentication", () => {
    expect([...CSRF_EXEMPT_ROUTES].sort()).toEqual(["DELETE /access/ticket", "POST /access/ticket"]);
    for (const route of listApiRoutes()) {
      if (route.method !== "GET" && route.auth === "none") {
        expect(CSRF_EXEMPT_ROUTES).toContain(`${route.method} ${route.path.replace("/api2/json", "")}`);
      }
    }
  });

  test("every cookie-authenticated non-GET route rejects a missing or wrong CSRF token", async () => {
    const protectedRoutes = listApiRoutes().filter((route) => route.csrf);
    expect(protectedRoutes.length).toBeGreaterThanOrEqual(8);
    for (const route of protectedRoutes) {
      const path = fillPath(route.path);
      const missing = await server.client.call(route.method, path, { body: {}, headers: cookieHeaders({ ticket: session.ticket }) });
      expect(missing.status, `${route.method} ${route.path}`).toBe(401);
      expect(missing.text).toBe(ERRORS.CSRF_MISSING.message);

      const wrong = await server.client.call(route.method, path, {
        body: {},
        headers: cookieHeaders({ ticket: session.ticket, csrf: "00000000:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }),
      });
      expect(wrong.status, `${route.method} ${route.path}`).toBe(401);
      expect(wrong.text).toBe(ERRORS.CSRF_INVALID.message);
    }
  });

  test("a CSRF token issued for another user is refused", async () => {
    const response = await server.client.api("POST", "/access/users", {
      body: { userid: "csrf-other@pbs" },
      headers: cookieHeaders({ ticket: session.ticket, csrf: session.csrf.replace(/.$/, (c) => (c === "A" ? "B" : "A")) }),
    });
    expect(response.status).toBe(401);
    const check = await server.client.api("GET", "/access/users/csrf-other@pbs", { headers: cookieHeaders(session) });
    expect(check.status).toBe(404);
  });

  test("the right CSRF token lets a cookie session change things", async () => {
    const response = await server.client.api("POST", "/access/users", {
      body: { userid: "csrf-ok@pbs" },
      headers: sessionHeaders(session),
    });
    expect(response.status, response.text).toBe(200);
  });

  test("GET needs no CSRF token, and token authentication needs none for changes", async () => {
    const read = await server.client.api("GET", "/access/users", { headers: cookieHeaders({ ticket: session.ticket }) });
    expect(read.status).toBe(200);

    const token = await createToken(session, TEST_ADMIN, "csrf-free");
    await grantRole(session, token.tokenid, "Admin");
    const change = await server.client.api("POST", "/access/users", {
      body: { userid: "by-token@pbs" },
      headers: tokenHeaders(token.tokenid, token.secret),
    });
    expect(change.status, change.text).toBe(200);
  });
});
