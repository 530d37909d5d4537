/**
 * The test matrix of the PBS HttpOnly series' cover letter ("How to Test"), as
 * integration tests against real servers: the new client against a default server,
 * a server without the legacy flow (GATEHOUSE_LEGACY_TICKETS=off) and an old server
 * that refuses `http-only`; and a legacy-only client against both Gatehouse modes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestServer, TEST_ADMIN, TEST_ADMIN_PASSWORD, type TestServer } from "@gatehouse/bff/test-support/test-server";
import { GatehouseClient } from "./client.js";
import { GatehouseApiError } from "./errors.js";
import { createNodeTransport, type NodeTransport } from "./node.js";
import { LegacyLoginError, logInLegacyOnly } from "./test-support/legacy-only-client.js";
import { OLD_PBS_PASSWORD, OLD_PBS_USER, startOldPbsServer, type OldPbsServer } from "./test-support/old-pbs-server.js";

let defaultServer: TestServer;
let legacyOffServer: TestServer;
let oldServer: OldPbsServer;
// One transport per certificate: both servers' self-signed certificates are named
// CN=localhost, and OpenSSL picks a trust anchor by name.
let transport: NodeTransport;
let legacyOffTransport: NodeTransport;

beforeAll(async () => {
  [defaultServer, legacyOffServer] = await Promise.all([startTestServer(), startTestServer({ env: { GATEHOUSE_LEGACY_TICKETS: "off" } })]);
  const tlsDir = join(defaultServer.dataDir, "tls");
  // The old server reuses the default server's key pair, so one CA entry trusts all three.
  oldServer = await startOldPbsServer({ cert: defaultServer.certPem, key: readFileSync(join(tlsDir, "key.pem"), "utf8") });
  transport = createNodeTransport({ ca: defaultServer.certPem });
  legacyOffTransport = createNodeTransport({ ca: legacyOffServer.certPem });
});

afterAll(async () => {
  await transport?.close();
  await legacyOffTransport?.close();
  await oldServer?.close();
  await Promise.all([defaultServer?.stop(), legacyOffServer?.stop()]);
});

function adminClient(server: TestServer, options: { httpOnly?: boolean } = {}) {
  return new GatehouseClient({
    baseUrl: server.baseUrl,
    auth: { username: TEST_ADMIN, password: TEST_ADMIN_PASSWORD },
    fetch: server === legacyOffServer ? legacyOffTransport.fetch : transport.fetch,
    ...options,
  });
}

/** A write and a read through the session: CSRF and cookie both work. */
async function exerciseSession(client: GatehouseClient, userid: string) {
  await client.createUser({ userid, comment: "matrix" });
  const { data } = await client.readUser(userid);
  expect(data.comment).toBe("matrix");
  const token = await client.createToken(userid, "ci");
  expect(token.tokenid).toBe(`${userid}!ci`);
}

describe("the new client", () => {
  test("against the default server: legacy flow, ticket in the body", async () => {
    const client = adminClient(defaultServer);
    await exerciseSession(client, "matrix-default@pbs");
    expect(client.sessionInfo?.carriedBy).toBe("body");
  });

  test("against the default server with httpOnly: true: the ticket stays in the cookie", async () => {
    const client = adminClient(defaultServer, { httpOnly: true });
    await exerciseSession(client, "matrix-httponly@pbs");
    expect(client.sessionInfo?.carriedBy).toBe("cookie");
  });

  test("against a server with the legacy flow off: carries on with the __Host- cookie", async () => {
    const client = adminClient(legacyOffServer);
    await exerciseSession(client, "matrix-off@pbs");
    expect(client.sessionInfo?.carriedBy).toBe("cookie");
    // Renewal works the same way: the ticket from the cookie, posted as the password.
    const before = client.sessionInfo!.ticketTime;
    expect((await client.renew()).ticketTime).toBeGreaterThanOrEqual(before);
    await client.readUser("matrix-off@pbs");
  });

  test("against an old server that refuses http-only: the default login never sends it", async () => {
    const client = new GatehouseClient({
      baseUrl: oldServer.baseUrl,
      auth: { username: OLD_PBS_USER, password: OLD_PBS_PASSWORD },
      fetch: transport.fetch,
    });
    expect((await client.version()).repoid).toBe("old");
    expect(oldServer.logins.at(-1)).toEqual({ username: OLD_PBS_USER, password: OLD_PBS_PASSWORD });
  });

  test("against an old server with httpOnly: true: the server's refusal names the parameter", async () => {
    const client = new GatehouseClient({
      baseUrl: oldServer.baseUrl,
      auth: { username: OLD_PBS_USER, password: OLD_PBS_PASSWORD },
      fetch: transport.fetch,
      httpOnly: true,
    });
    const error = (await client.login().catch((e: unknown) => e)) as GatehouseApiError;
    expect(error).toBeInstanceOf(GatehouseApiError);
    expect(error.status).toBe(400);
    expect(error.errors).toEqual({ "http-only": "schema does not allow additional properties." });
  });
});

describe("a legacy-only client (as proxmoxer logs in)", () => {
  test("works against the default server", async () => {
    const session = await logInLegacyOnly(transport.fetch, defaultServer.baseUrl, TEST_ADMIN, TEST_ADMIN_PASSWORD);
    const response = await transport.fetch(`${defaultServer.baseUrl}/api2/json/version`, {
      method: "GET",
      headers: { cookie: session.cookie },
    });
    expect(response.status).toBe(200);
  });

  test("fails against a server with the legacy flow off, and the answer says why", async () => {
    const error = (await logInLegacyOnly(legacyOffTransport.fetch, legacyOffServer.baseUrl, TEST_ADMIN, TEST_ADMIN_PASSWORD).catch(
      (e: unknown) => e,
    )) as Error;
    expect(error).toBeInstanceOf(LegacyLoginError);
    expect(error.message).toContain("no ticket in the login answer");
    expect(error.message).toContain("GATEHOUSE_LEGACY_TICKETS=off");
  });
});
