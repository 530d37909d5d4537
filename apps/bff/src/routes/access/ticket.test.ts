import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cookieHeaders, readParameterErrors } from "../../test-support/https-client.js";
import { TEST_ADMIN, TEST_ADMIN_PASSWORD, startTestServer, type TestServer } from "../../test-support/test-server.js";

const CLEAR_COOKIE = "__Host-PBSAuthCookie=; Secure; HttpOnly; SameSite=Lax; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT";
const TICKET_PATTERN = /^PBS:admin@pbs:[0-9A-F]{8}::[A-Za-z0-9+/]+$/;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

function cookieTicketFrom(setCookie: string): string {
  const match = /^__Host-PBSAuthCookie=([^;]+); Secure; HttpOnly; SameSite=Lax; Path=\/$/.exec(setCookie);
  if (match?.[1] === undefined) throw new Error(`unexpected Set-Cookie: ${setCookie}`);
  return match[1];
}

describe("POST /access/ticket, legacy flow", () => {
  test("returns the ticket and a CSRF token in the body and sets no cookie", async () => {
    const response = await server.client.api("POST", "/access/ticket", {
      body: { username: TEST_ADMIN, password: TEST_ADMIN_PASSWORD },
    });
    expect(response.status).toBe(200);
    const data = response.json?.data as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(["CSRFPreventionToken", "ticket", "username"]);
    expect(data.username).toBe(TEST_ADMIN);
    expect(data.ticket).toMatch(TICKET_PATTERN);
    expect(data.CSRFPreventionToken).toMatch(/^[0-9A-F]{8}:[A-Za-z0-9_-]+$/);
    expect(response.setCookies).toEqual([]);
  });

  test("accepts a form body, as proxmoxer sends it", async () => {
    const response = await server.client.api("POST", "/access/ticket", {
      form: { username: TEST_ADMIN, password: TEST_ADMIN_PASSWORD },
    });
    expect(response.status).toBe(200);
    expect((response.json?.data as Record<string, string>).ticket).toMatch(TICKET_PATTERN);
  });

  test("wrong password and unknown user get the same 401, and no cookie is cleared when none was sent", async () => {
    const wrong = await server.client.api("POST", "/access/ticket", { body: { username: TEST_ADMIN, password: "nope-nope" } });
    const unknown = await server.client.api("POST", "/access/ticket", { body: { username: "ghost@pbs", password: "nope-nope" } });
    for (const response of [wrong, unknown]) {
      expect(response.status).toBe(401);
      expect(response.setCookies).toEqual([]);
    }
    expect(wrong.text).toBe(unknown.text);
    expect(wrong.text).toBe("authentication failure");
  });

  test("a missing password is a parameter error", async () => {
    const response = await server.client.api("POST", "/access/ticket", { body: { username: TEST_ADMIN } });
    expect(response.status).toBe(400);
    expect(readParameterErrors(response)).toEqual({ password: "parameter is missing" });
  });
});

describe("POST /access/ticket, HttpOnly flow", () => {
  test("sets exactly the __Host- session cookie and never puts the ticket in the body", async () => {
    const response = await server.client.api("POST", "/access/ticket", {
      body: { username: TEST_ADMIN, password: TEST_ADMIN_PASSWORD, "http-only": true },
    });
    expect(response.status).toBe(200);
    expect(response.setCookies).toHaveLength(1);
    const ticket = cookieTicketFrom(response.setCookies[0] ?? "");
    expect(ticket).toMatch(TICKET_PATTERN);
    const data = response.json?.data as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(["CSRFPreventionToken", "ticket-info", "username"]);
    expect(data["ticket-info"]).toMatch(/^PBS:admin@pbs:[0-9A-F]{8}::ticketinfo$/);
    expect(response.text).not.toContain(ticket.split("::")[1]);
    expect(response.text).not.toContain('"ticket"');
  });

  test("renews from the cookie alone, without a password", async () => {
    const first = await server.client.api("POST", "/access/ticket", {
      form: { username: TEST_ADMIN, password: TEST_ADMIN_PASSWORD, "http-only": "1" },
    });
    const ticket = cookieTicketFrom(first.setCookies[0] ?? "");
    const renewed = await server.client.api("POST", "/access/ticket", {
      body: { username: TEST_ADMIN, "http-only": "true" },
      headers: cookieHeaders({ ticket }),
    });
    expect(renewed.status).toBe(200);
    expect(cookieTicketFrom(renewed.setCookies[0] ?? "")).toMatch(TICKET_PATTERN);
    expect((renewed.json?.data as Record<string, string>).username).toBe(TEST_ADMIN);
  });

  test("falls back to the body password when the cookie is not valid", async () => {
    const response = await server.client.api("POST", "/access/ticket", {
      body: { username: TEST_ADMIN, password: TEST_ADMIN_PASSWORD, "http-only": true },
      headers: cookieHeaders({ ticket: "PBS:admin@pbs:00000000::forged" }),
    });
    expect(response.status).toBe(200);
    expect(cookieTicketFrom(response.setCookies[0] ?? "")).toMatch(TICKET_PATTERN);
  });

  test("a bad cookie and no password is a 401 that clears the cookie", async () => {
    const response = await server.client.api("POST", "/access/ticket", {
      body: { username: TEST_ADMIN, "http-only": true },
      headers: cookieHeaders({ ticket: "PBS:admin@pbs:00000000::forged" }),
    });
    expect(response.status).toBe(401);
    expect(response.setCookies).toEqual([CLEAR_COOKIE]);
  });

  test("a ticket works as the password in the legacy flow too (renewal)", async () => {
    const first = await server.client.api("POST", "/access/ticket", { body: { username: TEST_ADMIN, password: TEST_ADMIN_PASSWORD } });
    const ticket = (first.json?.data as Record<string, string>).ticket ?? "";
    const renewed = await server.client.api("POST", "/access/ticket", { body: { username: TEST_ADMIN, password: ticket } });
    expect(renewed.status).toBe(200);
    expect((renewed.json?.data as Record<string, string>).ticket).toMatch(TICKET_PATTERN);
  });
});

describe("POST /access/ticket from another site (login CSRF, issue 15, finding 9)", () => {
  const httpOnlyLogin = (headers: Record<string, string>) =>
    server.client.api("POST", "/access/ticket", {
      body: { username: TEST_ADMIN, password: TEST_ADMIN_PASSWORD, "http-only": true },
      headers,
    });

  test("a cookie-setting login from another site or a sibling subdomain is a 403 that sets no cookie", async () => {
    const refused: Record<string, string>[] = [
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
      { "sec-fetch-site": "cross-site", origin: server.baseUrl },
      { origin: "https://evil.example" },
      { origin: "null" },
    ];
    for (const headers of refused) {
      const response = await httpOnlyLogin(headers);
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(response.text).toContain("login refused");
      expect(response.setCookies).toEqual([]);
    }
  });

  test("the server's own pages, a typed URL and non-browser clients log in", async () => {
    const own = new URL(server.baseUrl).host;
    const admitted: Record<string, string>[] = [
      { "sec-fetch-site": "same-origin" },
      { "sec-fetch-site": "none" },
      { origin: `https://${own}` },
      {},
    ];
    for (const headers of admitted) {
      const response = await httpOnlyLogin(headers);
      expect(response.status, JSON.stringify(headers)).toBe(200);
      expect(cookieTicketFrom(response.setCookies[0] ?? "")).toMatch(TICKET_PATTERN);
    }
  });

  test("the legacy flow sets no cookie, so PBS clients are never refused for their headers", async () => {
    const response = await server.client.api("POST", "/access/ticket", {
      body: { username: TEST_ADMIN, password: TEST_ADMIN_PASSWORD },
      headers: { "sec-fetch-site": "cross-site", origin: "https://evil.example" },
    });
    expect(response.status).toBe(200);
    expect(response.setCookies).toEqual([]);
  });
});

describe("DELETE /access/ticket", () => {
  test("clears both ticket cookies with the same attributes and an expiry in 1970 (issue 15, finding 9)", async () => {
    const response = await server.client.api("DELETE", "/access/ticket");
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ data: null });
    expect(response.setCookies).toEqual([CLEAR_COOKIE, CLEAR_COOKIE.replace("__Host-PBSAuthCookie", "PBSAuthCookie")]);
  });
});
