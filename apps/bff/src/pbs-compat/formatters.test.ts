/**
 * Conformance: the two output formats of proxmox-rest-server (formatter.rs) and
 * its handling of unknown API paths (rest.rs), over HTTP against the real server.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cookieHeaders, readParameterErrors, tokenHeaders } from "../test-support/https-client.js";
import { createToken, logIn, sessionHeaders, type Session } from "../test-support/sessions.js";
import { TEST_ADMIN, TEST_ADMIN_PASSWORD, startTestServer, type TestServer } from "../test-support/test-server.js";

let server: TestServer;
let admin: Session;

beforeAll(async () => {
  server = await startTestServer();
  admin = await logIn(server.client);
});

afterAll(async () => {
  await server?.stop();
});

describe("JSON formatter (/api2/json)", () => {
  test("a success is {data} with the digest beside it", async () => {
    const response = await server.client.api("GET", "/access/acl", { headers: cookieHeaders(admin) });
    expect(response.status).toBe(200);
    expect(Object.keys(response.json ?? {}).sort()).toEqual(["data", "digest"]);
  });

  test("an error is the HTTP status with the bare message as the body, as pbs-client prints it", async () => {
    const response = await server.client.api("GET", "/version");
    expect(response.status).toBe(401);
    expect(response.headers["content-type"]).toMatch(/^text\/plain/);
    expect(response.text).toBe("authentication required: send a ticket cookie or an API token");
  });

  test("a parameter error lists each bad parameter as proxmox-schema's ParameterError does", async () => {
    const response = await server.client.api("GET", "/access/users", {
      query: { include_tokens: "maybe", evil: "1" },
      headers: cookieHeaders(admin),
    });
    expect(response.status).toBe(400);
    expect(response.text.startsWith("parameter verification errors\n\n")).toBe(true);
    expect(Object.keys(readParameterErrors(response)).sort()).toEqual(["evil", "include_tokens"]);
  });
});

describe("ExtJS formatter (/api2/extjs)", () => {
  test("serves every route: a success is {data, success: true, status: 200} plus the attributes", async () => {
    const token = await createToken(admin, TEST_ADMIN, "extjs");
    const response = await server.client.call("GET", "/api2/extjs/access/acl", { headers: tokenHeaders(token.tokenid, token.secret) });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ success: true, status: 200, data: [] });
    expect(response.json?.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  test("an error is HTTP 200 with success false and the real status, message and errors", async () => {
    const unauthenticated = await server.client.call("GET", "/api2/extjs/version");
    expect(unauthenticated.status).toBe(200);
    expect(unauthenticated.json).toEqual({
      success: false,
      status: 401,
      message: "authentication required: send a ticket cookie or an API token",
      errors: {},
    });
    // No cookie was refused, so none is cleared (issue 15, finding 9)...
    expect(unauthenticated.setCookies).toEqual([]);
    // ...but a refused cookie is cleared on the 401, whatever the HTTP status says.
    const refused = await server.client.call("GET", "/api2/extjs/version", {
      headers: { cookie: "__Host-PBSAuthCookie=PBS:admin@pbs:00000000::forged" },
    });
    expect(refused.json).toMatchObject({ success: false, status: 401 });
    expect(refused.setCookies.join()).toContain("__Host-PBSAuthCookie=; Secure; HttpOnly; SameSite=Lax; Path=/; Expires=Thu, 01 Jan 1970");

    const badParameter = await server.client.call("GET", "/api2/extjs/access/users", {
      query: { evil: "1" },
      headers: cookieHeaders(admin),
    });
    expect(badParameter.json).toEqual({
      success: false,
      status: 400,
      message: "parameter verification errors",
      errors: { evil: "unknown parameter" },
    });
  });

  test("logs in, and its state changes need the CSRF token like /api2/json", async () => {
    const login = await server.client.call("POST", "/api2/extjs/access/ticket", {
      body: { username: TEST_ADMIN, password: TEST_ADMIN_PASSWORD, "http-only": true },
    });
    expect(login.json).toMatchObject({ success: true, status: 200, data: { username: TEST_ADMIN } });
    expect(login.setCookies[0]).toMatch(/^__Host-PBSAuthCookie=PBS:/);
    const withoutCsrf = await server.client.call("POST", "/api2/extjs/access/users", {
      body: { userid: "extjs-made@pbs" },
      headers: cookieHeaders({ ticket: admin.ticket }),
    });
    expect(withoutCsrf.json).toMatchObject({ success: false, status: 401 });
    const withCsrf = await server.client.call("POST", "/api2/extjs/access/users", {
      body: { userid: "extjs-made@pbs" },
      headers: sessionHeaders(admin),
    });
    expect(withCsrf.json).toEqual({ success: true, status: 200, data: null });
  });
});

describe("unknown paths under /api2 (rest.rs)", () => {
  test("are a 404 in the API's format, never the console's index page", async () => {
    const json = await server.client.call("GET", "/api2/json/no/such/thing", { headers: cookieHeaders(admin) });
    expect(json.status).toBe(404);
    expect(json.text).toBe("Path '/api2/json/no/such/thing' not found.");

    const extjs = await server.client.call("GET", "/api2/extjs/no/such/thing", { headers: cookieHeaders(admin) });
    expect(extjs.json).toEqual({ success: false, status: 404, message: "Path '/api2/extjs/no/such/thing' not found.", errors: {} });

    for (const path of ["/api2", "/api2/", "/api2/xml/version", "/api2/html"]) {
      const response = await server.client.call("GET", path);
      expect(response.status, path).toBe(404);
      expect(response.text, path).not.toContain("<html");
    }
    expect((await server.client.call("GET", "/api2/xml/version")).text).toBe("Unsupported output format 'xml'.");
  });
});
