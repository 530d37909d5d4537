import { describe, expect, it, vi } from "vitest";
import { buildApiUrl, createApiClient } from "./api-client.js";
import { ApiError, describeError } from "./api-error.js";
import { SessionStore } from "./session.js";

interface Call {
  url: string;
  init: RequestInit;
}

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

function setup(respond: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const store = new SessionStore();
  const fetch = vi.fn((input: string, init?: RequestInit) => {
    const call = { url: input, init: init ?? {} };
    calls.push(call);
    return Promise.resolve(respond(call));
  });
  const client = createApiClient({ fetch: fetch as unknown as typeof globalThis.fetch, sessionStore: store });
  return { client, store, calls };
}

function headerOf(call: Call | undefined, name: string): string | undefined {
  return (call?.init.headers as Record<string, string> | undefined)?.[name];
}

describe("createApiClient", () => {
  it("unwraps the data of a successful response", async () => {
    const { client, calls } = setup(() => jsonResponse(200, { data: [{ realm: "pbs" }] }));
    await expect(client.request("GET", "/access/domains")).resolves.toEqual([{ realm: "pbs" }]);
    expect(calls[0]?.url).toBe("/api2/extjs/access/domains");
    expect(calls[0]?.init.credentials).toBe("same-origin");
  });

  it("sends the CSRF token on non-GET requests of a session and never on GET", async () => {
    const { client, store, calls } = setup(() => jsonResponse(200, { data: null }));
    store.start({ username: "admin@pbs", csrfToken: "ABC:def" });
    await client.request("GET", "/access/users");
    await client.request("PUT", "/access/acl", { body: { path: "/" } });
    await client.request("DELETE", "/access/ticket");
    expect(headerOf(calls[0], "CSRFPreventionToken")).toBeUndefined();
    expect(headerOf(calls[1], "CSRFPreventionToken")).toBe("ABC:def");
    expect(headerOf(calls[2], "CSRFPreventionToken")).toBe("ABC:def");
  });

  it("sends bodies as JSON", async () => {
    const { client, calls } = setup(() => jsonResponse(200, { data: null }));
    await client.request("POST", "/access/ticket", { body: { username: "a@pbs", "http-only": true } });
    expect(headerOf(calls[0], "Content-Type")).toBe("application/json");
    expect(JSON.parse(calls[0]?.init.body as string)).toEqual({ username: "a@pbs", "http-only": true });
  });

  it("turns an ExtJS failure body (HTTP 200) into an ApiError with its status, message and parameter reasons", async () => {
    const { client } = setup(() =>
      jsonResponse(200, {
        success: false,
        status: 400,
        message: "parameter verification errors",
        errors: { expire: "in the past", n: 3 },
      }),
    );
    const error = await client.request("POST", "/x").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, message: "parameter verification errors", errors: { expire: "in the past" } });
  });

  it("unwraps an ExtJS success body", async () => {
    const { client } = setup(() => jsonResponse(200, { success: true, status: 200, data: { version: "1" }, digest: "d" }));
    await expect(client.request("GET", "/version")).resolves.toEqual({ version: "1" });
  });

  it("still reads a failure that arrives as an HTTP status with a JSON body", async () => {
    const { client } = setup(() => jsonResponse(400, { data: null, message: "malformed HTTP request" }));
    await expect(client.request("GET", "/x")).rejects.toMatchObject({ status: 400, message: "malformed HTTP request" });
  });

  it("falls back to the status when an error body is not JSON", async () => {
    const { client } = setup(() => new Response("<html>bad gateway</html>", { status: 502 }));
    await expect(client.request("GET", "/x")).rejects.toMatchObject({ status: 502, message: "request failed with status 502" });
  });

  it("interrupts the session on a 401, keeping the user for the re-login dialog", async () => {
    const { client, store } = setup(() => jsonResponse(200, { success: false, status: 401, message: "authentication failed", errors: {} }));
    store.start({ username: "admin@pbs", csrfToken: "t" });
    await expect(client.request("GET", "/access/users")).rejects.toMatchObject({ status: 401 });
    expect(store.getState()).toMatchObject({ session: { username: "admin@pbs" }, interrupted: true });
  });

  it("keeps the login page quiet when a login attempt gets a 401", async () => {
    const { client, store } = setup(() => jsonResponse(200, { success: false, status: 401, message: "authentication failure", errors: {} }));
    await expect(
      client.request("POST", "/access/ticket", { body: { username: "a@pbs", password: "x" }, endsSessionOn401: false }),
    ).rejects.toMatchObject({ status: 401 });
    expect(store.getState().endedMessage).toBeNull();
  });

  it("reports an unreachable server as status 0", async () => {
    const { client } = setup(() => Promise.reject(new TypeError("fetch failed")));
    const error = await client.request("GET", "/version").catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 0 });
    expect(describeError(error)).toMatch(/could not be reached/);
  });

  it("rejects a success body without data", async () => {
    const { client } = setup(() => jsonResponse(200, { nothing: true }));
    await expect(client.request("GET", "/version")).rejects.toBeInstanceOf(ApiError);
  });
});

describe("buildApiUrl", () => {
  it("encodes query values and writes booleans as 1 and 0", () => {
    expect(buildApiUrl("/access/permissions", { "auth-id": "a@pbs!ci", exact: false, skip: undefined })).toBe(
      "/api2/extjs/access/permissions?auth-id=a%40pbs%21ci&exact=0",
    );
  });

  it("leaves the url alone without query values", () => {
    expect(buildApiUrl("/version", {})).toBe("/api2/extjs/version");
  });
});
