import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cookieHeaders, readParameterErrors } from "./test-support/https-client.js";
import { logIn, sessionHeaders, type Session } from "./test-support/sessions.js";
import { startTestServer, type TestServer } from "./test-support/test-server.js";

let server: TestServer;
let session: Session;

beforeAll(async () => {
  server = await startTestServer();
  session = await logIn(server.client);
});
afterAll(async () => {
  await server?.stop();
});

function expectSecurityHeaders(headers: Record<string, string | string[] | undefined>) {
  const csp = String(headers["content-security-policy"]);
  for (const directive of [
    "default-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ]) {
    expect(csp).toContain(directive);
  }
  expect(csp).not.toContain("unsafe-inline");
  expect(headers["strict-transport-security"]).toMatch(/max-age=\d+/);
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("no-referrer");
  expect(headers["x-powered-by"]).toBeUndefined();
}

describe("security headers", () => {
  test("are on successes, errors and non-API pages alike", async () => {
    const responses = [
      await server.client.api("GET", "/access/domains"),
      await server.client.api("GET", "/version"),
      await server.client.api("GET", "/no/such/route"),
      await server.client.api("POST", "/access/ticket", { rawBody: "{", contentType: "application/json" }),
      await server.client.call("GET", "/"),
    ];
    expect(responses.map((response) => response.status)).toEqual([200, 401, 404, 400, 200]);
    for (const response of responses) expectSecurityHeaders(response.headers);
  });

  test("API replies are never cached", async () => {
    const response = await server.client.api("GET", "/access/domains");
    expect(response.headers["cache-control"]).toBe("no-store");
  });
});

describe("public and unknown routes", () => {
  test("GET /access/domains needs no authentication and lists the pbs realm", async () => {
    const response = await server.client.api("GET", "/access/domains");
    expect(response.status).toBe(200);
    expect(response.json?.data).toEqual(expect.arrayContaining([expect.objectContaining({ realm: "pbs" })]));
  });

  test("an unknown API route or method is a 404 with PBS's message (proxmox-rest-server rest.rs)", async () => {
    for (const [method, path] of [
      ["GET", "/nope"],
      ["PATCH", "/access/users"],
      ["POST", "/version"],
    ] as const) {
      const response = await server.client.api(method, path, { headers: cookieHeaders(session) });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.text).toBe(`Path '/api2/json${path}' not found.`);
    }
  });

  test("a non-GET request outside the API is a JSON 404", async () => {
    const response = await server.client.call("POST", "/somewhere", { body: {} });
    expect(response.status).toBe(404);
    expect(response.json?.data).toBeNull();
  });

  test("the ExtJS cache buster _dc is ignored on GET", async () => {
    const response = await server.client.api("GET", "/access/domains", { query: { _dc: "1700000000000" } });
    expect(response.status).toBe(200);
  });
});

describe("GET /api2/json/openapi.json", () => {
  test("serves the document generated from the route table, without authentication", async () => {
    const response = await server.client.api("GET", "/openapi.json");
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^application\/json/);
    const served = response.json as { openapi: string; paths: Record<string, unknown> };
    expect(served.openapi).toBe("3.1.0");
    expect(Object.keys(served.paths)).toContain("/api2/json/access/users/{userid}/token/{tokenname}");
  });
});

describe("bad input is a 4xx, never a 5xx", () => {
  test("a body over 64 KiB is a 413", async () => {
    const response = await server.client.api("POST", "/access/ticket", {
      body: { username: "admin@pbs", password: "x".repeat(70 * 1024) },
    });
    expect(response.status).toBe(413);
    expect(response.text).toBe("request body too large");
  });

  test("malformed JSON, a JSON array and a JSON string are 400", async () => {
    for (const raw of ["{", '{"username": }', "[1,2]", '"text"', "nul"]) {
      const response = await server.client.api("POST", "/access/ticket", { rawBody: raw, contentType: "application/json" });
      expect(response.status, raw).toBe(400);
      expect(response.text).toMatch(/^request body (is not valid JSON or form data|must be a JSON object or form data)$/);
    }
  });

  test("an unsupported body charset is a 415", async () => {
    const response = await server.client.api("POST", "/access/ticket", {
      rawBody: "{}",
      contentType: "application/json; charset=klingon",
    });
    expect(response.status).toBe(415);
  });

  test("unknown parameters are named in errors", async () => {
    const response = await server.client.api("GET", "/access/users", { query: { evil: "1" }, headers: cookieHeaders(session) });
    expect(response.status).toBe(400);
    // proxmox-schema's ParameterError text, as PBS's JSON formatter sends it.
    expect(response.text).toBe("parameter verification errors\n\nparameter 'evil': unknown parameter\n");
  });

  test("invalid ids in the path or the body are 400", async () => {
    for (const path of ["/access/users/no-realm", `/access/users/${encodeURIComponent("a b@pbs")}`, "/access/users/x@p"]) {
      const response = await server.client.api("GET", path, { headers: cookieHeaders(session) });
      expect(response.status, path).toBe(400);
      expect(readParameterErrors(response)).toHaveProperty("userid");
    }
    const body = await server.client.api("POST", "/access/users", { body: { userid: "@pbs" }, headers: sessionHeaders(session) });
    expect(body.status).toBe(400);
  });

  test("a broken percent escape in the path is a 400", async () => {
    const response = await server.client.api("GET", "/access/users/%E0%A4%A", { headers: cookieHeaders(session) });
    expect(response.status).toBe(400);
    expect(response.text).toBe("malformed request");
  });

  test("overlong parameters are refused with the parameter named", async () => {
    const response = await server.client.api("POST", "/access/users", {
      body: { userid: "long@pbs", comment: "c".repeat(5000) },
      headers: sessionHeaders(session),
    });
    expect(response.status).toBe(400);
    expect(readParameterErrors(response)).toHaveProperty("comment");
  });

  test("a parameter given in the query and the body is refused", async () => {
    const response = await server.client.api("POST", "/access/users", {
      query: { userid: "q@pbs" },
      body: { userid: "b@pbs" },
      headers: sessionHeaders(session),
    });
    expect(response.status).toBe(400);
    expect(readParameterErrors(response)).toEqual({ userid: "parameter given more than once" });
  });

  test("a form with too many fields is refused", async () => {
    const form: Record<string, string> = {};
    for (let i = 0; i < 500; i += 1) form[`f${i}`] = "1";
    const response = await server.client.api("POST", "/access/ticket", { form });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });

  test("headers beyond the server limit are refused by Node with a 431", async () => {
    const response = await server.client.api("GET", "/access/domains", { headers: { "x-filler": "a".repeat(20 * 1024) } });
    expect(response.status).toBe(431);
  });
});

describe("users, passwords, ACL and permissions", () => {
  test("a user is created, logs in, changes its own password and is deleted", async () => {
    const created = await server.client.api("POST", "/access/users", {
      form: { userid: "alice@pbs", password: "alice-first-pw", comment: "Alice", email: "alice@example.com" },
      headers: sessionHeaders(session),
    });
    expect(created.status, created.text).toBe(200);
    const read = await server.client.api("GET", "/access/users/alice@pbs", { headers: cookieHeaders(session) });
    expect(read.status).toBe(200);
    expect(read.json?.data).toMatchObject({ userid: "alice@pbs", enable: true, comment: "Alice", email: "alice@example.com" });
    expect(read.json?.digest).toMatch(/^[0-9a-f]{64}$/);

    const alice = await logIn(server.client, "alice@pbs", "alice-first-pw");
    const changed = await server.client.api("PUT", "/access/password", {
      body: { userid: "alice@pbs", password: "alice-second-pw", "confirmation-password": "alice-first-pw" },
      headers: sessionHeaders(alice),
    });
    expect(changed.status, changed.text).toBe(200);
    const oldLogin = await server.client.api("POST", "/access/ticket", { body: { username: "alice@pbs", password: "alice-first-pw" } });
    expect(oldLogin.status).toBe(401);
    // A password change ends the older sessions (issue 15, finding 7): alice works on with a new one.
    const aliceAgain = await logIn(server.client, "alice@pbs", "alice-second-pw");

    const cleared = await server.client.api("PUT", "/access/users/alice@pbs", {
      form: { delete: "comment,email", firstname: "Alice" },
      headers: sessionHeaders(session),
    });
    expect(cleared.status, cleared.text).toBe(200);
    const after = await server.client.api("GET", "/access/users/alice@pbs", { headers: cookieHeaders(session) });
    expect(after.json?.data).not.toHaveProperty("comment");
    expect(after.json?.data).toMatchObject({ firstname: "Alice" });

    const forbidden = await server.client.api("POST", "/access/users", {
      body: { userid: "mallory@pbs" },
      headers: sessionHeaders(aliceAgain),
    });
    expect(forbidden.status).toBe(403);

    const deleted = await server.client.api("DELETE", "/access/users/alice@pbs", { headers: sessionHeaders(session) });
    expect(deleted.status).toBe(200);
    const gone = await server.client.api("GET", "/access/users/alice@pbs", { headers: cookieHeaders(session) });
    expect(gone.status).toBe(404);
    const aliceTicket = await server.client.api("GET", "/version", { headers: cookieHeaders(alice) });
    expect(aliceTicket.status).toBe(401);
  });

  test("the ACL lists the initial Admin entry and accepts a change and its removal", async () => {
    const before = await server.client.api("GET", "/access/acl", { headers: cookieHeaders(session) });
    expect(before.status).toBe(200);
    expect(before.json?.data).toEqual(
      expect.arrayContaining([{ path: "/", ugid: "admin@pbs", ugid_type: "user", roleid: "Admin", propagate: true }]),
    );
    expect(before.json?.digest).toMatch(/^[0-9a-f]{64}$/);

    await server.client.api("POST", "/access/users", { body: { userid: "auditor@pbs" }, headers: sessionHeaders(session) });
    const set = await server.client.api("PUT", "/access/acl", {
      form: { path: "/system", role: "Audit", "auth-id": "auditor@pbs", propagate: "0" },
      headers: sessionHeaders(session),
    });
    expect(set.status, set.text).toBe(200);
    const exact = await server.client.api("GET", "/access/acl", {
      query: { path: "/system", exact: "1" },
      headers: cookieHeaders(session),
    });
    expect(exact.json?.data).toEqual([{ path: "/system", ugid: "auditor@pbs", ugid_type: "user", roleid: "Audit", propagate: false }]);

    const permissions = await server.client.api("GET", "/access/permissions", {
      query: { "auth-id": "auditor@pbs", path: "/system" },
      headers: cookieHeaders(session),
    });
    expect(permissions.status).toBe(200);
    expect(permissions.json?.data).toEqual({ "/system": { "Datastore.Audit": false, "Sys.Audit": false } });

    const removed = await server.client.api("PUT", "/access/acl", {
      body: { path: "/system", role: "Audit", "auth-id": "auditor@pbs", delete: true },
      headers: sessionHeaders(session),
    });
    expect(removed.status).toBe(200);

    const badRole = await server.client.api("PUT", "/access/acl", {
      body: { path: "/", role: "Root", "auth-id": "auditor@pbs" },
      headers: sessionHeaders(session),
    });
    expect(badRole.status).toBe(400);
    expect(readParameterErrors(badRole)).toHaveProperty("role");
  });

  test("the caller's own permissions need no auth-id", async () => {
    const response = await server.client.api("GET", "/access/permissions", { query: { path: "/" }, headers: cookieHeaders(session) });
    expect(response.status).toBe(200);
    expect(response.json?.data).toMatchObject({ "/": { "Permissions.Modify": true, "Sys.Audit": true, "Sys.Modify": true } });
  });
});
