/**
 * The security suite's two-factor part (issue 12): a partial ticket grants nothing
 * but the second step. Every route of the route table, in both API formats, with
 * the partial ticket as the `__Host-` cookie, the legacy cookie or the renewal
 * password answers exactly as it answers a caller with no credential at all; and
 * a second step with another user's partial ticket is refused.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { listApiRoutes } from "../app.js";
import { API_PREFIX, EXTJS_API_PREFIX } from "../routes/api-routes.js";
import type { ApiResponse } from "../test-support/https-client.js";
import { createUser, logIn, sessionHeaders } from "../test-support/sessions.js";
import { startTestServer, type TestServer } from "../test-support/test-server.js";

const CAROL = "partial-carol@pbs";
const CAROL_PASSWORD = "carol-long-password";
const DAVE = "partial-dave@pbs";
const DAVE_PASSWORD = "dave-long-password";
/** Well-formed, but signed by nobody: what a partial ticket must be worth everywhere but the second step. */
const FORGED_TICKET = `PBS:${"partial-carol@pbs"}:00000000::${"A".repeat(86)}`;

let server: TestServer;
let carolPartial = "";
let carolKeys: string[] = [];
let davePartial = "";

async function enrolRecoveryAndStartLogin(userid: string, password: string): Promise<{ keys: string[]; partial: string }> {
  const session = await logIn(server.client, userid, password);
  const added = await server.client.api("POST", `/access/tfa/${userid}`, {
    body: { type: "recovery", password },
    headers: sessionHeaders(session),
  });
  expect(added.status, added.text).toBe(200);
  const first = await server.client.api("POST", "/access/ticket", { body: { username: userid, password } });
  const partial = (first.json?.data as { ticket: string }).ticket;
  expect(partial).toMatch(/^PBS:!tfa!/);
  return { keys: (added.json?.data as { recovery: string[] }).recovery, partial };
}

beforeAll(async () => {
  server = await startTestServer();
  const admin = await logIn(server.client);
  await createUser(admin, CAROL, CAROL_PASSWORD);
  await createUser(admin, DAVE, DAVE_PASSWORD);
  ({ keys: carolKeys, partial: carolPartial } = await enrolRecoveryAndStartLogin(CAROL, CAROL_PASSWORD));
  ({ partial: davePartial } = await enrolRecoveryAndStartLogin(DAVE, DAVE_PASSWORD));
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

/** Path parameters filled with the partial ticket's own user, so nothing is refused for naming someone else. */
function concretePath(path: string): string {
  return path
    .replace(":userid", encodeURIComponent(CAROL))
    .replace(":tokenName", "probe")
    .replace(":token-name", "probe")
    .replace(/:[A-Za-z_-]+/g, "probe");
}

async function call(method: string, path: string, headers: Record<string, string>): Promise<ApiResponse> {
  return server.client.call(method, path, { headers });
}

describe("a partial ticket grants nothing", () => {
  test("every route in both formats answers the partial-ticket cookie (either cookie) exactly as a forged ticket", async () => {
    const routes = listApiRoutes();
    expect(routes.length).toBeGreaterThan(20);
    let authenticatedRoutes = 0;
    for (const route of routes) {
      for (const prefix of [API_PREFIX, EXTJS_API_PREFIX]) {
        const path = prefix + concretePath(route.path.slice(API_PREFIX.length));
        for (const name of ["__Host-PBSAuthCookie", "PBSAuthCookie"]) {
          const forged = await call(route.method, path, { cookie: `${name}=${FORGED_TICKET}`, CSRFPreventionToken: "invalid" });
          const withPartial = await call(route.method, path, {
            cookie: `${name}=${encodeURIComponent(carolPartial)}`,
            CSRFPreventionToken: "invalid",
          });
          const where = `${route.method} ${path} with ${name}`;
          expect(withPartial.status, where).toBe(forged.status);
          expect(withPartial.text, where).toBe(forged.text);
          if (route.auth === "required" && prefix === API_PREFIX) expect(withPartial.status, where).toBe(401);
        }
      }
      if (route.auth === "required") authenticatedRoutes++;
    }
    expect(authenticatedRoutes).toBeGreaterThan(15);
  });

  test("GET /metrics and the console's session bootstrap see no session in it", async () => {
    const cookie = `__Host-PBSAuthCookie=${encodeURIComponent(carolPartial)}`;
    expect((await call("GET", "/metrics", { cookie })).status).toBe(401);
    const page = await call("GET", "/", { cookie });
    expect(page.text).not.toContain(CAROL);
  });

  test("it is not renewable: as the password of a login it is a 401", async () => {
    for (const httpOnly of [false, true]) {
      const renewal = await server.client.api("POST", "/access/ticket", {
        body: { username: CAROL, password: carolPartial, "http-only": httpOnly },
      });
      expect(renewal.status).toBe(401);
    }
  });

  test("the second step with another user's partial ticket is refused, under either name, and uses up no key", async () => {
    for (const username of [CAROL, DAVE]) {
      const crossed = await server.client.api("POST", "/access/ticket", {
        body: { username, password: `recovery:${carolKeys[0] ?? ""}`, "tfa-challenge": davePartial },
      });
      expect(crossed.status, username).toBe(401);
    }
    const own = await server.client.api("POST", "/access/ticket", {
      body: { username: CAROL, password: `recovery:${carolKeys[0] ?? ""}`, "tfa-challenge": carolPartial },
    });
    expect(own.status, own.text).toBe(200);
  });
});
