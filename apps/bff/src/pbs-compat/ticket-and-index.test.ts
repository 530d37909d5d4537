/**
 * Conformance: POST /access/ticket parameters and the HttpOnly renewal
 * (proxmox-auth-api api/access.rs: create_ticket, create_ticket_http_only,
 * authenticate_user), the /access index (proxmox-router list_subdirs_api_method,
 * src/api2/access/mod.rs) and /ping (src/api2/ping.rs).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cookieHeaders, readParameterErrors } from "../test-support/https-client.js";
import { logIn, sessionHeaders, type Session } from "../test-support/sessions.js";
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

describe("POST /access/ticket (proxmox-auth-api)", () => {
  test("takes the full user@realm and no separate realm parameter", async () => {
    const withRealm = await server.client.api("POST", "/access/ticket", {
      form: { username: "admin", realm: "pbs", password: TEST_ADMIN_PASSWORD },
    });
    expect(withRealm.status).toBe(400);
    expect(readParameterErrors(withRealm)).toEqual({ realm: "unknown parameter" });
  });

  test("accepts path, privs and port, which only matter with a console ticket, and logs in with a password", async () => {
    const response = await server.client.api("POST", "/access/ticket", {
      form: { username: TEST_ADMIN, password: TEST_ADMIN_PASSWORD, path: "/system", privs: "Sys.Console", port: "5900" },
    });
    expect(response.status, response.text).toBe(200);
    expect((response.json?.data as { ticket: string }).ticket).toMatch(/^PBS:admin@pbs:/);
    const badPort = await server.client.api("POST", "/access/ticket", {
      form: { username: TEST_ADMIN, password: TEST_ADMIN_PASSWORD, port: "70000" },
    });
    expect(Object.keys(readParameterErrors(badPort))).toEqual(["port"]);
  });

  test("refuses a console ticket (Gatehouse issues none) and a forged tfa-challenge", async () => {
    const consoleTicket = await server.client.api("POST", "/access/ticket", {
      form: { username: TEST_ADMIN, password: "PBSTERM::6560A1B2::c2lnbmF0dXJl", path: "/system", privs: "Sys.Console", port: "5900" },
    });
    expect(consoleTicket.status).toBe(401);
    const tfa = await server.client.api("POST", "/access/ticket", {
      form: { username: TEST_ADMIN, password: "123456", "tfa-challenge": "PBS:!tfa!admin@pbs:6560A1B2::c2ln" },
    });
    expect(tfa.status).toBe(401);
  });

  test("renews an HttpOnly session from the cookie alone: username and http-only, no password (create_ticket_http_only)", async () => {
    const renewed = await server.client.api("POST", "/access/ticket", {
      body: { username: TEST_ADMIN, "http-only": true },
      headers: cookieHeaders({ ticket: admin.ticket }),
    });
    expect(renewed.status, renewed.text).toBe(200);
    expect(renewed.setCookies).toHaveLength(1);
    expect(renewed.setCookies[0]).toMatch(
      /^__Host-PBSAuthCookie=PBS:admin@pbs:[0-9A-F]{8}::[^;]+; Secure; HttpOnly; SameSite=Lax; Path=\/$/,
    );
    const data = renewed.json?.data as Record<string, string>;
    expect(data).not.toHaveProperty("ticket");
    expect(data["ticket-info"]).toMatch(/^PBS:admin@pbs:[0-9A-F]{8}::ticketinfo$/);
    // Without the cookie the same request has nothing to authenticate with.
    const noCookie = await server.client.api("POST", "/access/ticket", { body: { username: TEST_ADMIN, "http-only": true } });
    expect(noCookie.status).toBe(401);
  });
});

describe("GET /access and GET /ping", () => {
  test("/access lists its subdirectories sorted, as PBS's list_subdirs does", async () => {
    const response = await server.client.api("GET", "/access", { headers: cookieHeaders(admin) });
    expect(response.status).toBe(200);
    const subdirs = (response.json?.data as { subdir: string }[]).map((entry) => entry.subdir);
    expect(subdirs).toEqual([...subdirs].sort());
    for (const expected of ["acl", "domains", "password", "permissions", "roles", "ticket", "users"]) expect(subdirs).toContain(expected);
    expect((await server.client.api("GET", "/access")).status).toBe(401);
  });

  test("/ping answers {pong: true} without authentication", async () => {
    const response = await server.client.api("GET", "/ping");
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ data: { pong: true } });
  });
});

describe("PUT /access/password (change_password, src/api2/access/mod.rs)", () => {
  test("needs confirmation-password, the caller's own current password", async () => {
    const created = await server.client.api("POST", "/access/users", {
      body: { userid: "confirm-me@pbs", password: "first-password" },
      headers: sessionHeaders(admin),
    });
    expect(created.status, created.text).toBe(200);
    const missing = await server.client.api("PUT", "/access/password", {
      body: { userid: "confirm-me@pbs", password: "second-password" },
      headers: sessionHeaders(admin),
    });
    expect(missing.status).toBe(400);
    expect(Object.keys(readParameterErrors(missing))).toEqual(["confirmation-password"]);
    const wrong = await server.client.api("PUT", "/access/password", {
      body: { userid: "confirm-me@pbs", password: "second-password", "confirmation-password": "first-password" },
      headers: sessionHeaders(admin),
    });
    // The target's password is not the caller's: refused, and the admin's session survives (no 401).
    expect(wrong.status).toBe(403);
    expect((await server.client.api("GET", "/version", { headers: cookieHeaders(admin) })).status).toBe(200);
    const right = await server.client.api("PUT", "/access/password", {
      body: { userid: "confirm-me@pbs", password: "second-password", "confirmation-password": TEST_ADMIN_PASSWORD },
      headers: sessionHeaders(admin),
    });
    expect(right.status, right.text).toBe(200);
    expect(
      (await server.client.api("POST", "/access/ticket", { form: { username: "confirm-me@pbs", password: "second-password" } })).status,
    ).toBe(200);
  });
});
