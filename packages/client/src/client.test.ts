import { describe, expect, test } from "vitest";
import { GatehouseClient, RENEW_AFTER_S, TICKET_LIFETIME_S, type FetchInit, type GatehouseClientOptions } from "./client.js";
import { GatehouseApiError, GatehouseConnectionError, LoginFlowError } from "./errors.js";

const T0_S = 1_800_000_000;

interface SeenRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Record<string, unknown> | undefined;
}

type Answer = { status?: number; body?: unknown; headers?: Record<string, string>; setCookies?: string[] };

/** A scripted server: each request is recorded and answered by `respond`. */
function fakeServer(respond: (request: SeenRequest, index: number) => Answer) {
  const seen: SeenRequest[] = [];
  const fetch = (input: string, init: FetchInit) => {
    const request: SeenRequest = {
      method: init.method,
      url: new URL(input, "https://page.example"),
      headers: { ...init.headers },
      body: typeof init.body === "string" ? (JSON.parse(init.body) as Record<string, unknown>) : undefined,
    };
    seen.push(request);
    const answer = respond(request, seen.length - 1);
    const headers = new Headers(answer.headers);
    for (const cookie of answer.setCookies ?? []) headers.append("set-cookie", cookie);
    return Promise.resolve(new Response(JSON.stringify(answer.body ?? { data: null }), { status: answer.status ?? 200, headers }));
  };
  return { seen, fetch };
}

function ticketAt(timeS: number, user = "admin@pbs"): string {
  return `PBS:${user}:${timeS.toString(16).toUpperCase().padStart(8, "0")}::c2lnbmF0dXJl`;
}

function legacyLogin(timeS: number): Answer {
  return { body: { data: { username: "admin@pbs", ticket: ticketAt(timeS), CSRFPreventionToken: `csrf-${timeS}` } } };
}

function makeClient(server: ReturnType<typeof fakeServer>, clock: { nowS: number }, extra: Partial<GatehouseClientOptions> = {}) {
  const sleeps: number[] = [];
  const client = new GatehouseClient({
    baseUrl: "https://pbs.example:8007",
    auth: { username: "admin@pbs", password: "secret" },
    fetch: server.fetch,
    now: () => clock.nowS * 1000,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    cookies: "manual",
    ...extra,
  });
  return { client, sleeps };
}

const isLogin = (request: SeenRequest) => request.method === "POST" && request.url.pathname === "/api2/json/access/ticket";

describe("password login", () => {
  test("uses the legacy flow by default, as pbs-client does: no http-only parameter", async () => {
    const server = fakeServer((request) => (isLogin(request) ? legacyLogin(T0_S) : { body: { data: [] } }));
    const { client } = makeClient(server, { nowS: T0_S });
    await client.listUsers();
    expect(server.seen[0]?.body).toEqual({ username: "admin@pbs", password: "secret" });
    expect(server.seen[1]?.headers.Cookie).toBe(`PBSAuthCookie=${encodeURIComponent(ticketAt(T0_S))}`);
    expect(client.sessionInfo).toEqual({ username: "admin@pbs", ticketTime: T0_S, carriedBy: "body" });
  });

  test("carries on with the __Host- cookie when the server answers without a ticket in the body", async () => {
    const cookieTicket = ticketAt(T0_S);
    const server = fakeServer((request) =>
      isLogin(request)
        ? {
            body: {
              data: {
                username: "admin@pbs",
                "ticket-info": `PBS:admin@pbs:${T0_S.toString(16).toUpperCase()}::ticketinfo`,
                CSRFPreventionToken: "c",
              },
            },
            setCookies: [`__Host-PBSAuthCookie=${encodeURIComponent(cookieTicket)}; Secure; HttpOnly; SameSite=Lax; Path=/`],
          }
        : { body: { data: null } },
    );
    const { client } = makeClient(server, { nowS: T0_S });
    await client.createUser({ userid: "bob@pbs" });
    expect(server.seen[0]?.body).not.toHaveProperty("http-only");
    expect(server.seen[1]?.headers.Cookie).toBe(`__Host-PBSAuthCookie=${encodeURIComponent(cookieTicket)}`);
    expect(server.seen[1]?.headers.CSRFPreventionToken).toBe("c");
    expect(client.sessionInfo?.carriedBy).toBe("cookie");
  });

  test("asks for the HttpOnly flow only when told to", async () => {
    const server = fakeServer(() => legacyLogin(T0_S));
    const { client } = makeClient(server, { nowS: T0_S }, { httpOnly: true });
    await client.login();
    expect(server.seen[0]?.body).toEqual({ username: "admin@pbs", password: "secret", "http-only": true });
  });

  test("a login answer with neither a ticket nor the cookie is a LoginFlowError, not a silent anonymous session", async () => {
    const server = fakeServer(() => ({ body: { data: { username: "admin@pbs", CSRFPreventionToken: "c" } } }));
    const { client } = makeClient(server, { nowS: T0_S });
    await expect(client.login()).rejects.toBeInstanceOf(LoginFlowError);
  });

  test("a wrong password is a GatehouseApiError with the status and the server's message", async () => {
    const server = fakeServer(() => ({ status: 401, body: { data: null, message: "authentication failure" } }));
    const { client } = makeClient(server, { nowS: T0_S });
    const error = (await client.login().catch((e: unknown) => e)) as GatehouseApiError;
    expect(error).toBeInstanceOf(GatehouseApiError);
    expect(error.status).toBe(401);
    expect(error.serverMessage).toBe("authentication failure");
    expect(error.message).toBe("POST /access/ticket failed with 401: authentication failure");
  });
});

describe("renewal and CSRF", () => {
  test("sends the CSRF token on writes and not on reads", async () => {
    const server = fakeServer((request) => (isLogin(request) ? legacyLogin(T0_S) : { body: { data: null } }));
    const { client } = makeClient(server, { nowS: T0_S });
    await client.readUser("admin@pbs");
    await client.deleteUser("bob@pbs");
    expect(server.seen[1]?.headers.CSRFPreventionToken).toBeUndefined();
    expect(server.seen[2]?.headers.CSRFPreventionToken).toBe(`csrf-${T0_S}`);
    expect(server.seen[2]?.url.pathname).toBe("/api2/json/access/users/bob%40pbs");
  });

  test("renews an hour-old ticket by posting it as the password, before the two-hour expiry", async () => {
    const clock = { nowS: T0_S };
    const server = fakeServer((request) => (isLogin(request) ? legacyLogin(clock.nowS) : { body: { data: null } }));
    const { client } = makeClient(server, clock);
    await client.version();
    clock.nowS = T0_S + RENEW_AFTER_S - 1;
    await client.version();
    expect(server.seen.filter(isLogin)).toHaveLength(1);
    clock.nowS = T0_S + RENEW_AFTER_S;
    await client.version();
    const logins = server.seen.filter(isLogin);
    expect(logins).toHaveLength(2);
    expect(logins[1]?.body).toEqual({ username: "admin@pbs", password: ticketAt(T0_S) });
    expect(server.seen.at(-1)?.headers.Cookie).toContain(encodeURIComponent(ticketAt(T0_S + RENEW_AFTER_S)));
    expect(RENEW_AFTER_S).toBeLessThan(TICKET_LIFETIME_S);
  });

  test("concurrent calls share one renewal", async () => {
    const clock = { nowS: T0_S };
    const server = fakeServer((request) => (isLogin(request) ? legacyLogin(clock.nowS) : { body: { data: null } }));
    const { client } = makeClient(server, clock);
    await client.version();
    clock.nowS += RENEW_AFTER_S;
    await Promise.all([client.version(), client.version(), client.version()]);
    expect(server.seen.filter(isLogin)).toHaveLength(2);
  });

  test("an expired ticket is replaced by a password login, not renewed", async () => {
    const clock = { nowS: T0_S };
    const server = fakeServer((request) => (isLogin(request) ? legacyLogin(clock.nowS) : { body: { data: null } }));
    const { client } = makeClient(server, clock);
    await client.version();
    clock.nowS += TICKET_LIFETIME_S;
    await client.version();
    expect(server.seen.filter(isLogin).map((r) => r.body?.password)).toEqual(["secret", "secret"]);
  });

  test("a refused renewal falls back to one password login", async () => {
    const clock = { nowS: T0_S };
    const server = fakeServer((request) => {
      if (!isLogin(request)) return { body: { data: null } };
      return request.body?.password === "secret" ? legacyLogin(clock.nowS) : { status: 401, body: { data: null } };
    });
    const { client } = makeClient(server, clock);
    await client.version();
    clock.nowS += RENEW_AFTER_S;
    await client.version();
    expect(server.seen.filter(isLogin).map((r) => r.body?.password)).toEqual(["secret", ticketAt(T0_S), "secret"]);
  });
});

describe("401 and API tokens", () => {
  test("on 401 it logs in once more with the password and repeats the call, then gives the error", async () => {
    const server = fakeServer((request) => (isLogin(request) ? legacyLogin(T0_S) : { status: 401, body: { data: null, message: "no" } }));
    const { client } = makeClient(server, { nowS: T0_S });
    const error = (await client.readUser("a@pbs").catch((e: unknown) => e)) as GatehouseApiError;
    expect(error.status).toBe(401);
    expect(server.seen.map((r) => (isLogin(r) ? "login" : "call"))).toEqual(["login", "call", "login", "call"]);
  });

  test("a token client sends the PBSAPIToken header, no CSRF token, and never tries a login on 401", async () => {
    const server = fakeServer(() => ({ status: 401, body: { data: null } }));
    const { client } = makeClient(server, { nowS: T0_S }, { auth: { tokenId: "ci@pbs!bot", secret: "s-e-c-r-e-t" } });
    await expect(client.deleteToken("ci@pbs", "old")).rejects.toMatchObject({ status: 401 });
    expect(server.seen).toHaveLength(1);
    expect(server.seen[0]?.headers.Authorization).toBe("PBSAPIToken=ci@pbs!bot:s-e-c-r-e-t");
    expect(server.seen[0]?.headers.CSRFPreventionToken).toBeUndefined();
  });
});

describe("429 and 503", () => {
  const tokenAuth = { auth: { tokenId: "ci@pbs!bot", secret: "s" } };

  test("waits as Retry-After asks, then succeeds", async () => {
    const server = fakeServer((_request, index) =>
      index < 2 ? { status: index === 0 ? 429 : 503, headers: { "retry-after": "2" }, body: { data: null } } : { body: { data: [] } },
    );
    const { client, sleeps } = makeClient(server, { nowS: T0_S }, tokenAuth);
    await client.listUsers();
    expect(sleeps).toEqual([2000, 2000]);
    expect(server.seen).toHaveLength(3);
  });

  test("reads an HTTP-date Retry-After, and backs off without one", async () => {
    const retryAt = new Date((T0_S + 5) * 1000).toUTCString();
    const server = fakeServer((_request, index) =>
      index === 0 ? { status: 503, headers: { "retry-after": retryAt } } : index === 1 ? { status: 429 } : { body: { data: [] } },
    );
    const { client, sleeps } = makeClient(server, { nowS: T0_S }, tokenAuth);
    await client.listUsers();
    expect(sleeps).toEqual([5000, 1000]);
  });

  test("gives up after the configured number of retries with the last error", async () => {
    const server = fakeServer(() => ({ status: 429, headers: { "retry-after": "1" }, body: { data: null, message: "too many requests" } }));
    const { client, sleeps } = makeClient(server, { nowS: T0_S }, { ...tokenAuth, retry: { maxRetries: 2 } });
    await expect(client.listUsers()).rejects.toMatchObject({ status: 429, serverMessage: "too many requests" });
    expect(sleeps).toEqual([1000, 1000]);
    expect(server.seen).toHaveLength(3);
  });

  test("does not wait when Retry-After asks for longer than the bound", async () => {
    const server = fakeServer(() => ({ status: 503, headers: { "retry-after": "3600" } }));
    const { client, sleeps } = makeClient(server, { nowS: T0_S }, tokenAuth);
    await expect(client.listUsers()).rejects.toMatchObject({ status: 503 });
    expect(sleeps).toEqual([]);
  });
});

describe("errors and encoding", () => {
  test("a 400 carries the per-parameter errors", async () => {
    const server = fakeServer(() => ({
      status: 400,
      body: { data: null, message: "parameter verification failed", errors: { userid: "bad" } },
    }));
    const { client } = makeClient(server, { nowS: T0_S }, { auth: { tokenId: "ci@pbs!bot", secret: "s" } });
    const error = (await client.createUser({ userid: "x" }).catch((e: unknown) => e)) as GatehouseApiError;
    expect(error.errors).toEqual({ userid: "bad" });
    expect(error.message).toBe("POST /access/users failed with 400: parameter verification failed (userid: bad)");
  });

  test("GET parameters go in the query string, booleans as 1/0 and lists as repeated keys", async () => {
    const server = fakeServer(() => ({ body: { data: [] } }));
    const { client } = makeClient(server, { nowS: T0_S }, { auth: { tokenId: "ci@pbs!bot", secret: "s" } });
    await client.readAcl({ path: "/", exact: true });
    expect(server.seen[0]?.url.search).toBe("?path=%2F&exact=1");
  });

  test("an unreachable server is a GatehouseConnectionError naming the URL", async () => {
    const client = new GatehouseClient({
      baseUrl: "https://pbs.example:8007",
      auth: { tokenId: "ci@pbs!bot", secret: "s" },
      fetch: () =>
        Promise.reject(
          new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) }),
        ),
    });
    const error = (await client.version().catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(GatehouseConnectionError);
    expect(error.message).toBe("cannot reach https://pbs.example:8007/api2/json/version: connect ECONNREFUSED");
  });
});

describe("browser mode", () => {
  test("asks for the HttpOnly flow, sends no Cookie header, and renews from the cookie alone", async () => {
    const clock = { nowS: T0_S };
    const info = (s: number) => `PBS:admin@pbs:${s.toString(16).toUpperCase()}::ticketinfo`;
    const server = fakeServer((request) =>
      isLogin(request)
        ? { body: { data: { username: "admin@pbs", "ticket-info": info(clock.nowS), CSRFPreventionToken: "c" } } }
        : { body: { data: null } },
    );
    const client = new GatehouseClient({
      baseUrl: "https://console.example",
      cookies: "browser",
      fetch: server.fetch,
      now: () => clock.nowS * 1000,
    });
    await client.login({ username: "admin@pbs", password: "pw" });
    clock.nowS += RENEW_AFTER_S;
    await client.setPassword("admin@pbs", "new password");
    expect(server.seen[0]?.body).toEqual({ username: "admin@pbs", password: "pw", "http-only": true });
    expect(server.seen[1]?.body).toEqual({ username: "admin@pbs", "http-only": true });
    expect(server.seen[2]?.headers.Cookie).toBeUndefined();
    expect(server.seen[2]?.headers.CSRFPreventionToken).toBe("c");
  });

  test("refuses to keep a password for later logins", () => {
    expect(() => new GatehouseClient({ baseUrl: "", cookies: "browser", auth: { username: "a@pbs", password: "p" } })).toThrow(
      /not as `auth`/,
    );
  });
});

describe("the ExtJS format (PBS's own UI path, formatter.rs)", () => {
  const extjsFailure = (status: number, message: string, errors: Record<string, string> = {}): Answer => ({
    body: { success: false, status, message, errors },
  });

  test("talks to /api2/extjs and reads a failure's status, message and errors from the HTTP-200 body", async () => {
    const clock = { nowS: T0_S };
    const server = fakeServer((request) =>
      request.url.pathname === "/api2/extjs/access/ticket"
        ? { body: { success: true, status: 200, ...(legacyLogin(T0_S).body as object) } }
        : extjsFailure(400, "parameter verification errors", { expire: "must be in the future" }),
    );
    const { client } = makeClient(server, clock, { format: "extjs" });
    const error = await client.createToken("admin@pbs", "ci", { expire: 1 }).catch((caught: unknown) => caught);
    expect(server.seen.map((request) => request.url.pathname)).toEqual([
      "/api2/extjs/access/ticket",
      "/api2/extjs/access/users/admin%40pbs/token/ci",
    ]);
    expect(error).toBeInstanceOf(GatehouseApiError);
    expect(error).toMatchObject({
      status: 400,
      serverMessage: "parameter verification errors",
      errors: { expire: "must be in the future" },
    });
  });

  test("unwraps a success with its data, digest and total", async () => {
    const server = fakeServer((request) =>
      isLogin(request) || request.url.pathname.endsWith("/ticket")
        ? legacyLogin(T0_S)
        : { body: { success: true, status: 200, data: [{ userid: "a@pbs" }], total: 31, digest: "d1" } },
    );
    const { client } = makeClient(server, { nowS: T0_S }, { format: "extjs" });
    await expect(client.listUsers({ limit: 1 })).resolves.toEqual({ data: [{ userid: "a@pbs" }], total: 31, digest: "d1" });
  });

  test("retries a 429 that arrives in the body, as Retry-After asks", async () => {
    let busy = 1;
    const server = fakeServer((request) => {
      if (request.url.pathname.endsWith("/ticket")) return legacyLogin(T0_S);
      if (busy-- > 0) return { ...extjsFailure(429, "too many requests"), headers: { "Retry-After": "2" } };
      return { body: { success: true, status: 200, data: "ok" } };
    });
    const { client, sleeps } = makeClient(server, { nowS: T0_S }, { format: "extjs" });
    await expect(client.request("GET", "/version")).resolves.toMatchObject({ data: "ok" });
    expect(sleeps).toEqual([2000]);
  });

  test("a non-200 answer (a proxy, a refused request) still speaks through the HTTP status", async () => {
    const server = fakeServer((request) =>
      request.url.pathname.endsWith("/ticket") ? legacyLogin(T0_S) : { status: 502, body: { message: "bad gateway" } },
    );
    const { client } = makeClient(server, { nowS: T0_S }, { format: "extjs", retry: { maxRetries: 0 } });
    await expect(client.request("GET", "/version")).rejects.toMatchObject({ status: 502, serverMessage: "bad gateway" });
  });
});

describe("abort signals", () => {
  test("an aborted call rejects with the signal's reason, not a connection error", async () => {
    const controller = new AbortController();
    const fetch = (_input: string, init: FetchInit) =>
      new Promise<Response>((_resolve, reject) => {
        init.signal?.addEventListener("abort", () => reject(init.signal?.reason as Error));
      });
    const client = new GatehouseClient({ baseUrl: "", cookies: "browser", fetch });
    const pending = client.listDomains({ signal: controller.signal });
    controller.abort();
    const error = await pending.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe("AbortError");
  });

  test("a signal aborted during a Retry-After wait ends the call instead of retrying", async () => {
    const controller = new AbortController();
    const server = fakeServer(() => ({ status: 503, body: { message: "busy" }, headers: { "Retry-After": "1" } }));
    const client = new GatehouseClient({
      baseUrl: "",
      cookies: "browser",
      fetch: server.fetch,
      sleep: () => {
        controller.abort();
        return Promise.resolve();
      },
    });
    await expect(client.listDomains({ signal: controller.signal })).rejects.toMatchObject({ name: "AbortError" });
    expect(server.seen).toHaveLength(1);
  });
});

describe("the onUnauthorized hook", () => {
  const info = (s: number) => `PBS:admin@pbs:${s.toString(16).toUpperCase()}::ticketinfo`;

  function browserClient(respond: (request: SeenRequest) => Answer, clock = { nowS: T0_S }) {
    const server = fakeServer(respond);
    const unauthorized: GatehouseApiError[] = [];
    const client = new GatehouseClient({
      baseUrl: "",
      cookies: "browser",
      format: "extjs",
      fetch: server.fetch,
      now: () => clock.nowS * 1000,
      hooks: { onUnauthorized: (error) => unauthorized.push(error) },
    });
    return { client, server, unauthorized };
  }

  test("fires when an authenticated call ends in 401, and the call still rejects", async () => {
    const { client, unauthorized } = browserClient(() => ({ body: { success: false, status: 401, message: "authentication failed" } }));
    client.resumeSession({ username: "admin@pbs", CSRFPreventionToken: "c", ticketInfo: info(T0_S) });
    await expect(client.listUsers()).rejects.toMatchObject({ status: 401 });
    expect(unauthorized).toHaveLength(1);
    expect(unauthorized[0]?.request).toBe("GET /access/users");
  });

  test("does not fire for a refused login (wrong password) nor for a 403", async () => {
    const { client, unauthorized } = browserClient((request) =>
      request.url.pathname.endsWith("/ticket")
        ? { body: { success: false, status: 401, message: "authentication failed" } }
        : { body: { success: false, status: 403, message: "permission check failed" } },
    );
    await expect(client.login({ username: "admin@pbs", password: "wrong" })).rejects.toMatchObject({ status: 401 });
    client.resumeSession({ username: "admin@pbs", CSRFPreventionToken: "c", ticketInfo: info(T0_S) });
    await expect(client.listUsers()).rejects.toMatchObject({ status: 403 });
    expect(unauthorized).toEqual([]);
  });

  test("a browser session past the ticket lifetime fails with 401 and the hook, without asking the server", async () => {
    const clock = { nowS: T0_S };
    const { client, server, unauthorized } = browserClient(() => ({ body: { success: true, status: 200, data: null } }), clock);
    client.resumeSession({ username: "admin@pbs", CSRFPreventionToken: "c", ticketInfo: info(T0_S) });
    clock.nowS += TICKET_LIFETIME_S;
    await expect(client.listUsers()).rejects.toMatchObject({ status: 401 });
    expect(unauthorized).toHaveLength(1);
    expect(server.seen).toEqual([]);
  });

  test("a session resumed without ticket-info renews from the cookie before its first call", async () => {
    const { client, server } = browserClient((request) =>
      request.url.pathname.endsWith("/ticket")
        ? { body: { success: true, status: 200, data: { username: "admin@pbs", "ticket-info": info(T0_S), CSRFPreventionToken: "fresh" } } }
        : { body: { success: true, status: 200, data: [] } },
    );
    client.resumeSession({ username: "admin@pbs", CSRFPreventionToken: "stale" });
    await client.updateAcl({ path: "/", role: "Audit", "auth-id": "a@pbs" });
    expect(server.seen.map((request) => `${request.method} ${request.url.pathname}`)).toEqual([
      "POST /api2/extjs/access/ticket",
      "PUT /api2/extjs/access/acl",
    ]);
    expect(server.seen[0]?.body).toEqual({ username: "admin@pbs", "http-only": true });
    expect(server.seen[1]?.headers.CSRFPreventionToken).toBe("fresh");
  });
});

describe("browser mode and clock skew", () => {
  test("measures the ticket's age on the local clock, so a browser clock hours off the server's still works", async () => {
    const clock = { nowS: T0_S };
    const serverTimeS = T0_S - 5 * 3600; // the desktop clock runs five hours ahead
    const info = `PBS:admin@pbs:${serverTimeS.toString(16).toUpperCase()}::ticketinfo`;
    const server = fakeServer((request) =>
      request.url.pathname.endsWith("/ticket")
        ? { body: { data: { username: "admin@pbs", "ticket-info": info, CSRFPreventionToken: "c" } } }
        : { body: { data: [] } },
    );
    const client = new GatehouseClient({ baseUrl: "", cookies: "browser", fetch: server.fetch, now: () => clock.nowS * 1000 });
    await client.login({ username: "admin@pbs", password: "pw" });
    await client.listUsers();
    expect(server.seen.map((request) => request.url.pathname)).toEqual(["/api2/json/access/ticket", "/api2/json/access/users"]);
  });
});
