/**
 * Issue 5: two real bff nodes on one PostgreSQL schema. What one node changes, the
 * other must enforce (I1 between nodes, within the notification latency), also
 * across a lost and re-established LISTEN session, and concurrent writes through
 * both nodes must not lose or double anything.
 *
 * Node b's LISTEN session goes through a TcpProxy so that the fault test can hold
 * its reconnect off; while the proxy forwards, it is invisible.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { setTimeout as sleep } from "node:timers/promises";
import {
  createTestSchemaName,
  describeWithPostgres,
  dropTestSchema,
  probePostgres,
  runAdminQuery,
  TEST_DATABASE_URL,
} from "@gatehouse/auth-core/testing";
import { cookieHeaders } from "../test-support/https-client.js";
import { createToken, createUser, logIn, sessionHeaders, waitPastTicketSecond, type Session } from "../test-support/sessions.js";
import { waitForOutput } from "../test-support/spawn-ts.js";
import { TEST_ADMIN } from "../test-support/test-server.js";
import {
  CROSS_NODE_WAIT,
  expectAcceptedSoon,
  expectRejectedSoon,
  pollUntilStatus,
  probeToken,
  startNodePair,
  waitUntil,
  type NodePair,
} from "./node-pair.js";
import { TcpProxy } from "./tcp-proxy.js";

const availability = await probePostgres();

const CONCURRENT_CREATES = 500;
const CREATES_IN_FLIGHT = 50;
/** Attempts per create after a 429 for the actor's hashing slots; bounds the loop. */
const MAX_RETRIES_AFTER_429 = 300;
const RETRY_PAUSE_MS = 200;

function tokenPath(userid: string, name: string): string {
  return `/access/users/${encodeURIComponent(userid)}/token/${name}`;
}

describeWithPostgres(availability, "two bff nodes sharing one PostgreSQL schema", () => {
  const schema = createTestSchemaName();
  let proxy: TcpProxy;
  let nodes: NodePair;
  let adminA: Session;

  beforeAll(async () => {
    const database = new URL(TEST_DATABASE_URL);
    proxy = await TcpProxy.start({ host: database.hostname, port: Number(database.port || 5432) });
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.hostname = "127.0.0.1";
    viaProxy.port = String(proxy.port);
    nodes = await startNodePair({
      databaseUrl: TEST_DATABASE_URL,
      schema,
      listenUrls: { b: viaProxy.toString() },
      // Info level on b, for its "listener reconnected" line.
      // The bulk-create test makes 500 tokens for one admin, beyond the default per-user quota.
      env: {
        a: { GATEHOUSE_MAX_TOKENS_PER_USER: String(CONCURRENT_CREATES + 100) },
        b: { GATEHOUSE_LOG_LEVEL: "info", GATEHOUSE_MAX_TOKENS_PER_USER: String(CONCURRENT_CREATES + 100) },
      },
    });
    adminA = await logIn(nodes.a.client);
  }, 120_000);

  afterAll(async () => {
    await nodes?.stop();
    await proxy?.close();
    await dropTestSchema(schema);
  }, 60_000);

  it("accepts on node b a ticket and CSRF token issued by node a, because the keys live in the database", async () => {
    const { a, b } = nodes;
    expect(a.baseUrl).not.toBe(b.baseUrl);
    const read = await b.client.api("GET", "/access/users", { headers: cookieHeaders({ ticket: adminA.ticket }) });
    expect(read.status, read.text).toBe(200);
    const change = await b.client.api("POST", "/access/users", {
      body: { userid: "ticket-check@pbs" },
      headers: sessionHeaders(adminA),
    });
    expect(change.status, change.text).toBe(200);
    // A user created through b is there for a too.
    const seen = await pollUntilStatus(
      async () => (await a.client.api("GET", "/access/users/ticket-check@pbs", { headers: cookieHeaders(adminA) })).status,
      200,
      CROSS_NODE_WAIT,
    );
    expect(seen.status).toBe(200);
  });

  it("rejects on node b the old secret of a token rotated on node a, and accepts the new one", async () => {
    const { a, b } = nodes;
    const token = await createToken(adminA, TEST_ADMIN, "rotate-me");
    // Verified once on b, so b holds it in its secret cache: the case a missed revocation would hit.
    await expectAcceptedSoon(b.client, token.tokenid, token.secret);

    const rotated = await a.client.api("PUT", tokenPath(TEST_ADMIN, "rotate-me"), {
      body: { regenerate: true },
      headers: sessionHeaders(adminA),
    });
    expect(rotated.status, rotated.text).toBe(200);
    const newSecret = (rotated.json?.data as { secret: string }).secret;

    await expectRejectedSoon(b.client, token.tokenid, token.secret);
    expect(await probeToken(b.client, token.tokenid, newSecret)).toBe(200);
    expect(await probeToken(a.client, token.tokenid, token.secret)).toBe(401);
  });

  it("rejects on node b a token deleted on node a", async () => {
    const { a, b } = nodes;
    const token = await createToken(adminA, TEST_ADMIN, "delete-me");
    await expectAcceptedSoon(b.client, token.tokenid, token.secret);

    const deleted = await a.client.api("DELETE", tokenPath(TEST_ADMIN, "delete-me"), { headers: sessionHeaders(adminA) });
    expect(deleted.status, deleted.text).toBe(200);

    await expectRejectedSoon(b.client, token.tokenid, token.secret);
    const read = await b.client.api("GET", tokenPath(TEST_ADMIN, "delete-me"), { headers: cookieHeaders(adminA) });
    expect(read.status).toBe(404);
  });

  it("rejects on node b the token and ticket of a user disabled on node a; once re-enabled the token works again, the old ticket never (issue 15, finding 7)", async () => {
    const { a, b } = nodes;
    const userid = "disable-me@pbs";
    await createUser(adminA, userid, "disable-me-password");
    const token = await createToken(adminA, userid, "t1");
    const user = await logIn(a.client, userid, "disable-me-password");
    const ticketStatusOnB = async () =>
      (await b.client.api("GET", `/access/users/${encodeURIComponent(userid)}`, { headers: cookieHeaders(user) })).status;
    await expectAcceptedSoon(b.client, token.tokenid, token.secret);
    expect(await ticketStatusOnB()).toBe(200);

    const setEnabled = async (enable: boolean) => {
      const response = await a.client.api("PUT", `/access/users/${encodeURIComponent(userid)}`, {
        body: { enable },
        headers: sessionHeaders(adminA),
      });
      expect(response.status, response.text).toBe(200);
    };

    await waitPastTicketSecond(user.ticket);
    await setEnabled(false);
    await expectRejectedSoon(b.client, token.tokenid, token.secret);
    expect(await ticketStatusOnB()).toBe(401);

    await setEnabled(true);
    await expectAcceptedSoon(b.client, token.tokenid, token.secret);
    // A disable ended the sessions: the tickets-not-before time travels through PostgreSQL to node b.
    expect(await ticketStatusOnB()).toBe(401);
    const again = await logIn(a.client, userid, "disable-me-password");
    expect((await b.client.api("GET", `/access/users/${encodeURIComponent(userid)}`, { headers: cookieHeaders(again) })).status).toBe(200);
  });

  it("never accepts on node b a secret rotated on node a while b's listener is killed and reconnecting", async () => {
    const { a, b, applicationNames } = nodes;
    const listenerName = `${applicationNames.b}-listener`;
    const listenerPids = async () =>
      (await runAdminQuery<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = $1", [listenerName])).map(
        (row) => row.pid,
      );
    const token = await createToken(adminA, TEST_ADMIN, "fault");
    await expectAcceptedSoon(b.client, token.tokenid, token.secret);

    const [pid, ...others] = await listenerPids();
    expect(others).toEqual([]);
    expect(pid).toBeTypeOf("number");

    proxy.refuseNewConnections(true);
    const terminated = await runAdminQuery<{ ok: boolean }>("SELECT pg_terminate_backend($1) AS ok", [pid]);
    expect(terminated[0]?.ok).toBe(true);
    await waitForOutput(b.process, /PostgreSQL listener lost/, 5_000);
    // The terminated backend leaves pg_stat_activity as it exits, a moment after b hears of it.
    await waitUntil(async () => (await listenerPids()).length === 0, "b's old listener session is gone");
    // The old secret is still right: nothing changed, and b confirms that from the row.
    expect(await probeToken(b.client, token.tokenid, token.secret)).toBe(200);

    const rotated = await a.client.api("PUT", tokenPath(TEST_ADMIN, "fault"), {
      body: { regenerate: true },
      headers: sessionHeaders(adminA),
    });
    expect(rotated.status, rotated.text).toBe(200);
    const secret2 = (rotated.json?.data as { secret: string }).secret;
    // No waiting here: the notification of this rotation is lost to b for good, and
    // without a listener b must read the generation row on every request.
    expect(await probeToken(b.client, token.tokenid, token.secret)).toBe(401);
    expect(await probeToken(b.client, token.tokenid, secret2)).toBe(200);

    // Reconnect attempts are being made and refused: b is in the middle of reconnecting.
    await waitUntil(() => proxy.refusedCount >= 2, "b has tried to reconnect twice");
    expect(await listenerPids()).toEqual([]);
    expect(await probeToken(b.client, token.tokenid, token.secret)).toBe(401);
    expect(await probeToken(b.client, token.tokenid, secret2)).toBe(200);

    proxy.refuseNewConnections(false);
    await waitForOutput(b.process, /PostgreSQL listener reconnected/, 20_000);
    expect((await listenerPids()).length).toBe(1);
    expect(await probeToken(b.client, token.tokenid, token.secret)).toBe(401);
    expect(await probeToken(b.client, token.tokenid, secret2)).toBe(200);

    // Back on notifications: the next rotation reaches b through the new session.
    const again = await a.client.api("PUT", tokenPath(TEST_ADMIN, "fault"), {
      body: { regenerate: true },
      headers: sessionHeaders(adminA),
    });
    expect(again.status, again.text).toBe(200);
    const secret3 = (again.json?.data as { secret: string }).secret;
    await expectRejectedSoon(b.client, token.tokenid, secret2);
    expect(await probeToken(b.client, token.tokenid, secret3)).toBe(200);
  }, 60_000);

  it(`keeps each of ${CONCURRENT_CREATES} token creates spread over both nodes exactly once`, async () => {
    const { a, b } = nodes;
    const names = Array.from({ length: CONCURRENT_CREATES }, (_, i) => `bulk-${String(i).padStart(3, "0")}`);
    const statuses: number[] = [];
    const tokenids: string[] = [];
    let refusedForLoad = 0;
    let next = 0;
    const runLane = async () => {
      for (;;) {
        const index = next;
        next += 1;
        const name = names[index];
        if (name === undefined) return;
        const client = index % 2 === 0 ? a.client : b.client;
        // One admin's creates share that actor's hashing slots on each node (issue 15,
        // finding 5), so the excess is answered 429 with Retry-After and was not applied.
        // Retry it as a well-behaved script would, bounded in attempts.
        let response = await client.api("POST", tokenPath(TEST_ADMIN, name), { body: {}, headers: sessionHeaders(adminA) });
        for (let attempt = 1; response.status === 429 && attempt <= MAX_RETRIES_AFTER_429; attempt++) {
          refusedForLoad += 1;
          await sleep(RETRY_PAUSE_MS);
          response = await client.api("POST", tokenPath(TEST_ADMIN, name), { body: {}, headers: sessionHeaders(adminA) });
        }
        statuses.push(response.status);
        if (response.status === 200) tokenids.push((response.json?.data as { tokenid: string }).tokenid);
      }
    };
    await Promise.all(Array.from({ length: CREATES_IN_FLIGHT }, runLane));
    console.info(`${CONCURRENT_CREATES} creates, ${refusedForLoad} answered 429 first and retried`);

    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(new Set(tokenids).size).toBe(CONCURRENT_CREATES);
    for (const node of [a, b]) {
      const list = await node.client.api("GET", `/access/users/${encodeURIComponent(TEST_ADMIN)}/token`, {
        headers: cookieHeaders(adminA),
      });
      expect(list.status, list.text).toBe(200);
      const listed = (list.json?.data as { "token-name": string }[])
        .map((token) => token["token-name"])
        .filter((name) => name.startsWith("bulk-"))
        .sort();
      expect(listed).toEqual(names);
    }
    const rows = await runAdminQuery<{ count: string }>(
      `SELECT count(*)::text AS count FROM "${schema}".token_hashes WHERE authid LIKE $1`,
      [`${TEST_ADMIN}!bulk-%`],
    );
    expect(rows[0]?.count).toBe(String(CONCURRENT_CREATES));
  }, 120_000);
});
