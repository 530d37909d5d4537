import { describe, expect, it, vi } from "vitest";
import type { FetchInit } from "@gatehouse/client";
import { createApiClient } from "./api-client.js";
import { ApiError, describeError } from "./api-error.js";
import { SessionStore } from "./session.js";

interface Call {
  url: string;
  init: FetchInit;
}

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

// Any time: the client measures a browser ticket's age on the local clock from receipt.
const TICKET_INFO = "PBS:admin@pbs:6543210A::ticketinfo";

function loginAnswer(csrf: string): Response {
  return jsonResponse(200, {
    success: true,
    status: 200,
    data: { username: "admin@pbs", "ticket-info": TICKET_INFO, CSRFPreventionToken: csrf },
  });
}

function setup(respond: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const store = new SessionStore();
  const fetch = vi.fn((input: string, init: FetchInit) => {
    const call = { url: input, init };
    calls.push(call);
    return Promise.resolve(respond(call));
  });
  const client = createApiClient({ fetch, sessionStore: store });
  return { client, store, calls };
}

const isTicket = (call: Call) => call.url.startsWith("/api2/extjs/access/ticket");

describe("createApiClient (the console over @gatehouse/client)", () => {
  it("talks to /api2/extjs on the page's origin and unwraps data", async () => {
    const { client, calls } = setup(() => jsonResponse(200, { success: true, status: 200, data: [{ realm: "pbs" }] }));
    await expect(client.listDomains()).resolves.toEqual([{ realm: "pbs" }]);
    expect(calls[0]?.url).toBe("/api2/extjs/access/domains");
    expect(calls[0]?.init.credentials).toBe("same-origin");
  });

  it("logs in with http-only and sends the CSRF token from the answer on writes only", async () => {
    const { client, calls } = setup((call) =>
      isTicket(call) ? loginAnswer("ABC:def") : jsonResponse(200, { success: true, status: 200, data: null }),
    );
    await expect(client.login("admin@pbs", "pw")).resolves.toEqual({ username: "admin@pbs" });
    await client.request("GET", "/access/users");
    await client.request("PUT", "/access/acl", { body: { path: "/" } });
    expect(JSON.parse(calls[0]?.init.body ?? "{}")).toEqual({ username: "admin@pbs", password: "pw", "http-only": true });
    expect(calls[1]?.init.headers.CSRFPreventionToken).toBeUndefined();
    expect(calls[2]?.init.headers.CSRFPreventionToken).toBe("ABC:def");
    expect(calls[2]?.init.headers["Content-Type"]).toBe("application/json");
  });

  it("a resumed session renews from the cookie first, then writes with the fresh CSRF token", async () => {
    const { client, calls } = setup((call) =>
      isTicket(call) ? loginAnswer("fresh") : jsonResponse(200, { success: true, status: 200, data: null }),
    );
    client.resume({ username: "admin@pbs", csrfToken: "from-the-page" });
    await client.request("DELETE", "/access/users/a%40pbs");
    expect(calls.map((call) => `${call.init.method} ${call.url}`)).toEqual([
      "POST /api2/extjs/access/ticket",
      "DELETE /api2/extjs/access/users/a%40pbs",
    ]);
    expect(calls[1]?.init.headers.CSRFPreventionToken).toBe("fresh");
  });

  it("turns an ExtJS failure body (HTTP 200) into an ApiError with its status, message and parameter reasons", async () => {
    const { client } = setup((call) =>
      isTicket(call)
        ? loginAnswer("c")
        : jsonResponse(200, { success: false, status: 400, message: "parameter verification errors", errors: { expire: "in the past" } }),
    );
    await client.login("admin@pbs", "pw");
    const error = await client.request("POST", "/x").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, message: "parameter verification errors", errors: { expire: "in the past" } });
  });

  it("reads a paged listing's rows and total, and refuses a list without its total", async () => {
    let withTotal = true;
    const { client, calls } = setup((call) =>
      isTicket(call)
        ? loginAnswer("c")
        : jsonResponse(200, { success: true, status: 200, data: [{ userid: "a@pbs" }], ...(withTotal ? { total: 35 } : {}) }),
    );
    await client.login("admin@pbs", "pw");
    await expect(client.requestPage("/access/users", { query: { start: 0, limit: 1, enabled: false } })).resolves.toEqual({
      rows: [{ userid: "a@pbs" }],
      total: 35,
    });
    expect(calls[1]?.url).toBe("/api2/extjs/access/users?start=0&limit=1&enabled=0");
    withTotal = false;
    await expect(client.requestPage("/access/users")).rejects.toMatchObject({ message: /without its total/ });
  });

  it("shows the HTTP status, not a proxy's page, when an error body is not JSON", async () => {
    const { client } = setup((call) =>
      isTicket(call) ? loginAnswer("c") : new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway" }),
    );
    await client.login("admin@pbs", "pw");
    await expect(client.request("GET", "/x")).rejects.toMatchObject({ status: 502, message: "Bad Gateway" });
  });

  it("interrupts the session on a 401, keeping the user for the re-login dialog", async () => {
    const { client, store } = setup((call) =>
      isTicket(call) ? loginAnswer("c") : jsonResponse(200, { success: false, status: 401, message: "authentication failed", errors: {} }),
    );
    store.start(await client.login("admin@pbs", "pw"));
    await expect(client.request("GET", "/access/users")).rejects.toMatchObject({ status: 401 });
    expect(store.getState()).toMatchObject({ session: { username: "admin@pbs" }, interrupted: true });
  });

  it("a refused renewal interrupts the session too", async () => {
    let loggedIn = false;
    const { client, store } = setup(() => {
      if (!loggedIn) {
        loggedIn = true;
        return loginAnswer("c");
      }
      return jsonResponse(200, { success: false, status: 401, message: "authentication failed", errors: {} });
    });
    store.start(await client.login("admin@pbs", "pw"));
    await expect(client.renew()).rejects.toMatchObject({ status: 401 });
    expect(store.getState().interrupted).toBe(true);
  });

  it("keeps the login page quiet when a login attempt gets a 401", async () => {
    const { client, store } = setup(() =>
      jsonResponse(200, { success: false, status: 401, message: "authentication failure", errors: {} }),
    );
    await expect(client.login("a@pbs", "x")).rejects.toMatchObject({ status: 401 });
    expect(store.getState()).toMatchObject({ session: null, endedMessage: null, interrupted: false });
  });

  it("reports an unreachable server as status 0", async () => {
    const { client } = setup(() => Promise.reject(new TypeError("fetch failed")));
    const error = await client.listDomains().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 0 });
    expect(describeError(error)).toMatch(/could not be reached/);
  });

  it("passes an abort through as an AbortError, which react-query treats as a cancel", async () => {
    const controller = new AbortController();
    const { client } = setup((call) => {
      controller.abort();
      return Promise.reject(call.init.signal?.reason as Error);
    });
    const error = await client.listDomains(controller.signal).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe("AbortError");
  });
});
