/**
 * Two-factor login over HTTPS against the real server, in both ticket flows, as
 * proxmox-auth-api's create_ticket / create_ticket_http_only answer it: the first
 * step gives the partial ticket in the body (no cookie, CSRF "invalid"); the
 * second step gives the full ticket in the body (legacy) or only in the `__Host-`
 * cookie with ticket-info in the body (HttpOnly). Plus the /access/tfa API.
 */
import { URI, type TOTP } from "otpauth";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateTotpUri } from "@gatehouse/auth-core";
import { expectTicketCookie } from "../../reliability/security-checks.js";
import { cookieHeaders, readParameterErrors, type ApiResponse } from "../../test-support/https-client.js";
import { GatehouseClient, SecondFactorRequiredError } from "@gatehouse/client";
import { createUser, logIn, sessionHeaders, testServerFetch, type Session } from "../../test-support/sessions.js";
import { startTestServer, type TestServer } from "../../test-support/test-server.js";

const ALICE = "tfa-alice@pbs";
const ALICE_PASSWORD = "alice-long-password";
const BOB = "tfa-bob@pbs";
const BOB_PASSWORD = "bob-long-password";
const PARTIAL_TICKET = /^PBS:!tfa!\S+:[0-9A-F]{8}::[A-Za-z0-9+/]{86}$/;

let server: TestServer;
let admin: Session;
let alice: Session;
let aliceKeys: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  admin = await logIn(server.client);
  await createUser(admin, ALICE, ALICE_PASSWORD);
  await createUser(admin, BOB, BOB_PASSWORD);
  alice = await logIn(server.client, ALICE, ALICE_PASSWORD);
  const added = await server.client.api("POST", `/access/tfa/${ALICE}`, {
    body: { type: "recovery", password: ALICE_PASSWORD },
    headers: sessionHeaders(alice),
  });
  expect(added.status, added.text).toBe(200);
  aliceKeys = (added.json?.data as { recovery: string[] }).recovery;
  expect(aliceKeys).toHaveLength(10);
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

async function firstStep(username: string, password: string, httpOnly: boolean): Promise<ApiResponse> {
  return server.client.api("POST", "/access/ticket", { body: { username, password, ...(httpOnly ? { "http-only": true } : {}) } });
}

function partialTicketOf(response: ApiResponse): string {
  expect(response.status, response.text).toBe(200);
  const data = response.json?.data as Record<string, string>;
  expect(Object.keys(data).sort()).toEqual(["CSRFPreventionToken", "ticket", "username"]);
  expect(data.CSRFPreventionToken).toBe("invalid");
  expect(data.ticket).toMatch(PARTIAL_TICKET);
  return data.ticket ?? "";
}

describe("two-factor login, legacy flow", () => {
  test("the password gives a partial ticket and no cookie; the second step gives the ticket in the body, no cookie", async () => {
    const first = await firstStep(ALICE, ALICE_PASSWORD, false);
    const partial = partialTicketOf(first);
    expect(first.setCookies).toEqual([]);
    // The challenge inside tells the client what to offer, as PBS's GUI reads it.
    const challenge = JSON.parse(
      decodeURIComponent(partial.slice("PBS:!tfa!".length, partial.lastIndexOf(":", partial.indexOf("::") - 1))),
    ) as object;
    expect(challenge).toEqual({ recovery: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] });

    const second = await server.client.api("POST", "/access/ticket", {
      form: { username: ALICE, password: `recovery:${aliceKeys[0] ?? ""}`, "tfa-challenge": partial },
    });
    expect(second.status, second.text).toBe(200);
    const data = second.json?.data as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(["CSRFPreventionToken", "ticket", "username"]);
    expect(data.ticket).toMatch(/^PBS:tfa-alice@pbs:[0-9A-F]{8}::/);
    expect(data.CSRFPreventionToken).not.toBe("invalid");
    expect(second.setCookies).toEqual([]);
    const version = await server.client.api("GET", "/version", { headers: cookieHeaders({ ticket: data.ticket ?? "" }) });
    expect(version.status).toBe(200);
  });

  test("a used key, another user's partial ticket, or a missing answer is refused", async () => {
    const partial = partialTicketOf(await firstStep(ALICE, ALICE_PASSWORD, false));
    const reused = await server.client.api("POST", "/access/ticket", {
      body: { username: ALICE, password: `recovery:${aliceKeys[0] ?? ""}`, "tfa-challenge": partial },
    });
    expect(reused.status).toBe(401);
    const missing = await server.client.api("POST", "/access/ticket", { body: { username: ALICE, "tfa-challenge": partial } });
    expect(readParameterErrors(missing)).toEqual({ password: "parameter is missing" });
  });
});

describe("two-factor login, HttpOnly flow", () => {
  test("the partial ticket comes in the body; the full ticket only in the __Host- cookie, with ticket-info in the body", async () => {
    const first = await firstStep(ALICE, ALICE_PASSWORD, true);
    const partial = partialTicketOf(first);
    expect(first.setCookies).toEqual([]);

    const second = await server.client.api("POST", "/access/ticket", {
      body: { username: ALICE, password: `recovery:${aliceKeys[1] ?? ""}`, "tfa-challenge": partial, "http-only": true },
    });
    expect(second.status, second.text).toBe(200);
    expect(second.setCookies).toHaveLength(1);
    const setCookie = second.setCookies[0] ?? "";
    expect(expectTicketCookie(setCookie, "second step")).toBe("session");
    expect(setCookie).toMatch(/^__Host-PBSAuthCookie=PBS:tfa-alice@pbs:[0-9A-F]{8}::[^;]+; Secure; HttpOnly; SameSite=Lax; Path=\/$/);
    const data = second.json?.data as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(["CSRFPreventionToken", "ticket-info", "username"]);
    expect(data["ticket-info"]).toMatch(/^PBS:tfa-alice@pbs:[0-9A-F]{8}::ticketinfo$/);
    const signature = setCookie.slice(setCookie.indexOf("::") + 2, setCookie.indexOf(";"));
    expect(second.text).not.toContain(signature);

    // The cookie renews without asking for the second factor again, as PBS.
    const ticket = setCookie.slice("__Host-PBSAuthCookie=".length, setCookie.indexOf(";"));
    const renewed = await server.client.api("POST", "/access/ticket", {
      body: { username: ALICE, "http-only": true },
      headers: cookieHeaders({ ticket }),
    });
    expect(renewed.status, renewed.text).toBe(200);
    expect(expectTicketCookie(renewed.setCookies[0] ?? "", "renewal")).toBe("session");
  });

  test("a partial ticket cannot be renewed, in the body or as the cookie", async () => {
    const partial = partialTicketOf(await firstStep(ALICE, ALICE_PASSWORD, true));
    const asPassword = await server.client.api("POST", "/access/ticket", {
      body: { username: ALICE, password: partial, "http-only": true },
    });
    expect(asPassword.status).toBe(401);
    const asCookie = await server.client.api("POST", "/access/ticket", {
      body: { username: ALICE, "http-only": true },
      headers: { cookie: `__Host-PBSAuthCookie=${encodeURIComponent(partial)}` },
    });
    expect(asCookie.status).toBe(401);
  });
});

describe("TOTP over HTTP", () => {
  test("enrol with a code computed from the secret, then log in with the next step's code", async () => {
    const bob = await logIn(server.client, BOB, BOB_PASSWORD);
    const uri = generateTotpUri("Gatehouse", BOB);
    const totp = URI.parse(uri) as TOTP;
    const enrolled = await server.client.api("POST", `/access/tfa/${BOB}`, {
      body: { type: "totp", description: "phone", totp: uri, value: totp.generate(), password: BOB_PASSWORD },
      headers: sessionHeaders(bob),
    });
    expect(enrolled.status, enrolled.text).toBe(200);
    const id = (enrolled.json?.data as { id: string }).id;
    const listed = await server.client.api("GET", `/access/tfa/${BOB}`, { headers: sessionHeaders(bob) });
    expect(listed.json?.data).toEqual([{ type: "totp", id, description: "phone", created: expect.any(Number) as number }]);

    const partial = partialTicketOf(await firstStep(BOB, BOB_PASSWORD, false));
    // The enrolment used up the current step; the next one is fresh.
    const code = totp.generate({ timestamp: Date.now() + 30_000 });
    const second = await server.client.api("POST", "/access/ticket", {
      body: { username: BOB, password: `totp:${code}`, "tfa-challenge": partial },
    });
    expect(second.status, second.text).toBe(200);
    const replay = await server.client.api("POST", "/access/ticket", {
      body: { username: BOB, password: `totp:${code}`, "tfa-challenge": partialTicketOf(await firstStep(BOB, BOB_PASSWORD, false)) },
    });
    expect(replay.status).toBe(401);
  });
});

describe("the /access/tfa API", () => {
  test("the admin sees who has which factor; a user only its own; removing needs the caller's password", async () => {
    const all = await server.client.api("GET", "/access/tfa", { headers: sessionHeaders(admin) });
    const users = (all.json?.data as { userid: string; entries: { type: string }[] }[]).map((user) => [
      user.userid,
      user.entries.map((e) => e.type),
    ]);
    expect(users).toEqual([
      [ALICE, ["recovery"]],
      [BOB, ["totp"]],
    ]);
    const own = await server.client.api("GET", "/access/tfa", { headers: sessionHeaders(alice) });
    expect((own.json?.data as { userid: string }[]).map((user) => user.userid)).toEqual([ALICE]);
    const others = await server.client.api("GET", `/access/tfa/${BOB}`, { headers: sessionHeaders(alice) });
    expect(others.status).toBe(403);

    const noPassword = await server.client.api("DELETE", `/access/tfa/${ALICE}/recovery`, { headers: sessionHeaders(alice) });
    expect(readParameterErrors(noPassword)).toHaveProperty("password");
    const wrongPassword = await server.client.api("DELETE", `/access/tfa/${ALICE}/recovery`, {
      body: { password: "not-the-password" },
      headers: sessionHeaders(alice),
    });
    expect(wrongPassword.status).toBe(403);
    const unknown = await server.client.api("GET", `/access/tfa/${ALICE}/no-such-entry`, { headers: sessionHeaders(alice) });
    expect(unknown.status).toBe(404);
    const unlock = await server.client.api("PUT", `/access/users/${ALICE}/unlock-tfa`, { headers: sessionHeaders(admin) });
    expect(unlock.status, unlock.text).toBe(200);
    expect(unlock.json?.data).toBe(false);
    const selfUnlock = await server.client.api("PUT", `/access/users/${ALICE}/unlock-tfa`, { headers: sessionHeaders(alice) });
    expect(selfUnlock.status).toBe(403);
  });
});

describe("@gatehouse/client and the second factor", () => {
  test("answers the challenge through `secondFactor`, or throws SecondFactorRequiredError to continue from, in both flows", async () => {
    for (const httpOnly of [false, true]) {
      const offered: unknown[] = [];
      const answering = new GatehouseClient({
        baseUrl: server.client.baseUrl,
        auth: { username: ALICE, password: ALICE_PASSWORD },
        fetch: testServerFetch(server.client),
        httpOnly,
        secondFactor: (challenge) => {
          offered.push(challenge);
          return `recovery:${aliceKeys.pop() ?? ""}`;
        },
      });
      expect((await answering.login()).carriedBy).toBe(httpOnly ? "cookie" : "body");
      expect(offered).toEqual([{ recovery: expect.any(Array) as unknown }]);
      expect((await answering.listUserTfa(ALICE)).map((entry) => entry.type)).toEqual(["recovery"]);

      const asking = new GatehouseClient({ baseUrl: server.client.baseUrl, fetch: testServerFetch(server.client), httpOnly });
      const required = await asking.login({ username: ALICE, password: ALICE_PASSWORD }).catch((error: unknown) => error);
      expect(required).toBeInstanceOf(SecondFactorRequiredError);
      if (!(required instanceof SecondFactorRequiredError)) return;
      expect(required.partialTicket).toMatch(PARTIAL_TICKET);
      await expect(asking.completeSecondFactor(required, "recovery:0000-0000-0000-0000")).rejects.toMatchObject({ status: 401 });
      await asking.completeSecondFactor(required, `recovery:${aliceKeys.pop() ?? ""}`);
      expect((await asking.listTfa()).map((user) => user.userid)).toEqual([ALICE]);
    }
  });
});
