/**
 * Issue 15, findings 1 and 2, proved route by route from the route table: every
 * route that changes a user's account, password, tokens or sessions, or deletes
 * the user, refuses
 *
 * - a token acting on its owner's account (a token with Admin on `/access/users`
 *   only, owned by the superuser), and any token changing a password
 *   (PBS src/api2/access/mod.rs refuses API tokens there);
 * - a delegated user admin (Admin on `/access/users` only) acting on a superuser;
 *
 * changes nothing when it refuses, and still lets both actors manage an ordinary
 * user, so the refusals come from the rule and not from a broken request. A new
 * state-changing route fails the first test until it is classified here.
 */
import { randomBytes } from "node:crypto";
import { URI, type TOTP } from "otpauth";
import { generateTotpUri } from "@gatehouse/auth-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { API_ROUTES } from "../routes/api-routes.js";
import { describeRoute } from "../routes/route.js";
import { tokenHeaders, type ApiResponse } from "../test-support/https-client.js";
import { createToken, createUser, grantRole, logIn, sessionHeaders, type Session } from "../test-support/sessions.js";
import { TEST_ADMIN, TEST_ADMIN_PASSWORD, startTestServer, type TestServer } from "../test-support/test-server.js";

const DELEGATE = "delegate@pbs";
const PLAIN = "plain@pbs";
const password = () => `pw-${randomBytes(9).toString("base64url")}`;

interface AccountChange {
  path: Record<string, string>;
  body: Record<string, unknown>;
}

/**
 * Every state-changing route that acts on an existing account, with a request
 * that would change `target`'s account, in an order where each succeeds on an
 * ordinary user (the token `ci` and a TOTP factor exist beforehand; deleting the
 * user comes last). Second factors are credentials too (issue 12).
 */
const ACCOUNT_ROUTES: Record<string, (target: string) => AccountChange> = {
  // The delegate confirms with its own password (PBS's confirmation-password); a token needs none.
  "PUT /access/password": (target) => ({
    path: {},
    body: { userid: target, password: "taken-over-1", "confirmation-password": delegatePassword },
  }),
  "PUT /access/users/:userid": (target) => ({ path: { userid: target }, body: { enable: false } }),
  "POST /access/users/:userid/token/:tokenname": (target) => ({ path: { userid: target, tokenname: "minted" }, body: {} }),
  "PUT /access/users/:userid/token/:tokenname": (target) => ({ path: { userid: target, tokenname: "ci" }, body: { regenerate: true } }),
  "DELETE /access/users/:userid/token/:tokenname": (target) => ({ path: { userid: target, tokenname: "ci" }, body: {} }),
  "POST /access/users/:userid/end-sessions": (target) => ({ path: { userid: target }, body: {} }),
  "POST /access/tfa/:userid": (target) => ({ path: { userid: target }, body: { type: "recovery", password: delegatePassword } }),
  "PUT /access/tfa/:userid/:id": (target) => ({
    path: { userid: target, id: plainTotpId },
    body: { enable: false, password: delegatePassword },
  }),
  "DELETE /access/tfa/:userid/:id": (target) => ({ path: { userid: target, id: plainTotpId }, body: { password: delegatePassword } }),
  "PUT /access/users/:userid/unlock-tfa": (target) => ({ path: { userid: target }, body: {} }),
  "DELETE /access/users/:userid": (target) => ({ path: { userid: target }, body: {} }),
};

/** State-changing routes that act on no existing account, each with the reason. */
const OTHER_CHANGES: Record<string, string> = {
  "POST /access/ticket": "logs the caller in; it changes no account",
  "DELETE /access/ticket": "logs the caller out; it changes no account",
  "POST /access/users": "creates a new user, which holds nothing yet; an existing name is a 409",
  "PUT /access/acl":
    "ACL administration: Permissions.Modify on /access/acl can grant any role, so comparing privileges adds nothing; " +
    "removing the last superuser's entry is refused (auth-core last-superuser.ts)",
};

/** Routes an API token is refused on whoever the target is (PBS: tokens manage no second factors). */
const NEVER_BY_TOKEN = [
  "PUT /access/password",
  "POST /access/tfa/:userid",
  "PUT /access/tfa/:userid/:id",
  "DELETE /access/tfa/:userid/:id",
];

let server: TestServer;
let delegatePassword = "";
/** The id of the ordinary user's TOTP factor, enrolled before each round. */
let plainTotpId = "no-such-entry";
let admin: Session;
let delegate: Session;
let narrowToken: { tokenid: string; secret: string };
let adminToken: { tokenid: string; secret: string };

function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/:(\w+)/g, (_match, name: string) => encodeURIComponent(values[name] ?? `missing-${name}`));
}

async function send(route: string, change: AccountChange, headers: Record<string, string>): Promise<ApiResponse> {
  const [method = "", path = ""] = route.split(" ");
  return server.client.api(method, fillPath(path, change.path), { body: change.body, headers });
}

/** Everything a refused change could have touched, as the superuser sees it. */
async function snapshotState(): Promise<unknown> {
  const headers = sessionHeaders(admin);
  const users = await server.client.api("GET", "/access/users", { headers, query: { include_tokens: "1" } });
  const acl = await server.client.api("GET", "/access/acl", { headers });
  return { users: users.json?.data, acl: acl.json?.data };
}

/** Enrols a TOTP factor for `userid` as the superuser, with a code computed from the secret. */
async function enrolTotp(userid: string): Promise<string> {
  const uri = generateTotpUri("Gatehouse", userid);
  const response = await server.client.api("POST", `/access/tfa/${userid}`, {
    body: { type: "totp", description: "phone", totp: uri, value: (URI.parse(uri) as TOTP).generate(), password: TEST_ADMIN_PASSWORD },
    headers: sessionHeaders(admin),
  });
  if (response.status !== 200) throw new Error(`enrolling TOTP for ${userid}: ${response.status} ${response.text}`);
  return (response.json?.data as { id: string }).id;
}

async function expectAdminUntouched(): Promise<void> {
  // The password still works, the session still stands and the token still authenticates.
  await logIn(server.client, TEST_ADMIN, TEST_ADMIN_PASSWORD);
  expect((await server.client.api("GET", "/version", { headers: sessionHeaders(admin) })).status).toBe(200);
  expect((await server.client.api("GET", "/version", { headers: tokenHeaders(adminToken.tokenid, adminToken.secret) })).status).toBe(200);
}

beforeAll(async () => {
  server = await startTestServer();
  admin = await logIn(server.client);
  adminToken = await createToken(admin, TEST_ADMIN, "ci");
  narrowToken = await createToken(admin, TEST_ADMIN, "narrow");
  await grantRole(admin, narrowToken.tokenid, "Admin", "/access/users");
  delegatePassword = password();
  await createUser(admin, DELEGATE, delegatePassword);
  await grantRole(admin, DELEGATE, "Admin", "/access/users");
  delegate = await logIn(server.client, DELEGATE, delegatePassword);
});

afterAll(async () => {
  await server?.stop();
});

describe("authority over accounts, route by route (issue 15, findings 1 and 2)", () => {
  test("every state-changing route of the table is classified: it acts on an account, or it is listed with a reason", () => {
    const changing = API_ROUTES.filter((route) => route.method !== "GET").map(describeRoute);
    expect([...changing].sort()).toEqual([...Object.keys(ACCOUNT_ROUTES), ...Object.keys(OTHER_CHANGES)].sort());
  });

  test("a token with Admin on /access/users only gets 403 on every route acting on its superuser owner, and nothing changes", async () => {
    const before = await snapshotState();
    for (const [route, build] of Object.entries(ACCOUNT_ROUTES)) {
      const response = await send(route, build(TEST_ADMIN), tokenHeaders(narrowToken.tokenid, narrowToken.secret));
      expect(response.status, `${route}: ${response.text}`).toBe(403);
    }
    expect(await snapshotState()).toEqual(before);
    await expectAdminUntouched();
  });

  test("a delegated user admin gets 403 on every route acting on a superuser, and nothing changes", async () => {
    const before = await snapshotState();
    for (const [route, build] of Object.entries(ACCOUNT_ROUTES)) {
      const response = await send(route, build(TEST_ADMIN), sessionHeaders(delegate));
      expect(response.status, `${route}: ${response.text}`).toBe(403);
    }
    expect(await snapshotState()).toEqual(before);
    await expectAdminUntouched();
  });

  test("the same requests succeed on an ordinary user, for the delegate, and for the token except password and factor changes", async () => {
    const actors: [string, Record<string, string>, Set<string>][] = [
      ["delegate", sessionHeaders(delegate), new Set()],
      ["narrow token", tokenHeaders(narrowToken.tokenid, narrowToken.secret), new Set(NEVER_BY_TOKEN)],
    ];
    for (const [name, headers, refused] of actors) {
      await createUser(admin, PLAIN, password());
      await createToken(admin, PLAIN, "ci");
      plainTotpId = await enrolTotp(PLAIN);
      for (const [route, build] of Object.entries(ACCOUNT_ROUTES)) {
        const response = await send(route, build(PLAIN), headers);
        expect(response.status, `${name}, ${route}: ${response.text}`).toBe(refused.has(route) ? 403 : 200);
      }
      expect((await server.client.api("GET", `/access/users/${PLAIN}`, { headers: sessionHeaders(admin) })).status).toBe(404);
    }
  });
});
