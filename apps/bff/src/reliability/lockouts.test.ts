/**
 * Issue 15, findings 3 to 6 and the last-superuser guard, against the real server
 * over HTTPS: no client's failures lock out the holder of a correct credential,
 * one client cannot take the argon2 gate from everyone else, token quotas answer a
 * clear 4xx, and the last superuser cannot be removed. Client addresses are
 * played from 127.0.0.0/8 (all loopback on Linux). Every loop is bounded by count;
 * no assertion depends on how fast the machine is.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { API_PREFIX } from "../routes/api-routes.js";
import { tokenHeaders, type ApiResponse } from "../test-support/https-client.js";
import { createToken, createUser, logIn, sessionHeaders, type Session } from "../test-support/sessions.js";
import { TEST_ADMIN, TEST_ADMIN_PASSWORD, startTestServer, type TestServer } from "../test-support/test-server.js";
import { RawHttpsClient } from "./raw-client.js";

const MAX_TOKENS_PER_USER = 3;

let server: TestServer;
let admin: Session;
const clients: RawHttpsClient[] = [];

function clientFrom(localAddress: string): RawHttpsClient {
  const client = new RawHttpsClient(server.baseUrl, server.certPem, { localAddress, timeoutMs: 60_000 });
  clients.push(client);
  return client;
}

function postJson(client: RawHttpsClient, path: string, body: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
  return client.send({
    method: "POST",
    path: `${API_PREFIX}${path}`,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

function versionWithToken(client: RawHttpsClient, tokenid: string, secret: string): Promise<ApiResponse> {
  return client.send({ method: "GET", path: `${API_PREFIX}/version`, headers: tokenHeaders(tokenid, secret) });
}

beforeAll(async () => {
  server = await startTestServer({ env: { GATEHOUSE_MAX_TOKENS_PER_USER: String(MAX_TOKENS_PER_USER) } });
  admin = await logIn(server.client);
}, 90_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await server?.stop();
});

describe("finding 3: a flood on a token id never locks out the holder of its secret", () => {
  test("distinct wrong secrets from three addresses past their limits, then an unrelated change: the holder still gets 200", async () => {
    await createUser(admin, "runner@pbs", "runner-password");
    const token = await createToken(admin, "runner@pbs", "ci");
    for (let address = 1; address <= 3; address += 1) {
      const attacker = clientFrom(`127.0.4.${address}`);
      let refused = false;
      for (let attempt = 0; attempt < 20 && !refused; attempt += 1) {
        const response = await versionWithToken(attacker, token.tokenid, randomUUID());
        expect([401, 429]).toContain(response.status);
        refused = response.status === 429;
      }
      expect(refused).toBe(true);
    }
    // Any change anywhere: a user without privileges makes and drops a token of its own.
    const runner = await logIn(server.client, "runner@pbs", "runner-password");
    await createToken(runner, "runner@pbs", "scratch");
    await runner.api.deleteToken("runner@pbs", "scratch");
    // The holder was never verified by the server before, and is not now refused.
    const holder = clientFrom("127.0.4.200");
    expect((await versionWithToken(holder, token.tokenid, token.secret)).status).toBe(200);
  }, 120_000);

  test("stale runners sending the old secret after a rotation do not lock out the new secret behind the same address", async () => {
    const token = await createToken(admin, TEST_ADMIN, "rotated");
    const rotated = await admin.api.regenerateToken(TEST_ADMIN, "rotated");
    const runners = clientFrom("127.0.4.201");
    for (let attempt = 0; attempt < 30; attempt += 1) {
      expect((await versionWithToken(runners, token.tokenid, token.secret)).status).toBe(401);
    }
    expect((await versionWithToken(runners, token.tokenid, rotated.secret)).status).toBe(200);
  }, 120_000);
});

describe("finding 4: wrong passwords neither lock a user out elsewhere nor fill the gate", () => {
  test("40 concurrent wrong logins for admin from one address; the admin logs in from another address meanwhile", async () => {
    const attacker = clientFrom("127.0.5.1");
    const flood = Array.from({ length: 40 }, (_, i) =>
      postJson(attacker, "/access/ticket", { username: TEST_ADMIN, password: `wrong-${i}-${randomBytes(6).toString("hex")}` }),
    );
    const login = await postJson(clientFrom("127.0.5.2"), "/access/ticket", { username: TEST_ADMIN, password: TEST_ADMIN_PASSWORD });
    expect(login.status, login.text).toBe(200);
    const statuses = (await Promise.all(flood)).map((response) => response.status);
    expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
    // The attacker's address had at most its share of the gate; the rest was refused at once.
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(30);
    // And the admin is not locked out from this address afterwards either.
    const again = await postJson(clientFrom("127.0.5.3"), "/access/ticket", { username: TEST_ADMIN, password: TEST_ADMIN_PASSWORD });
    expect(again.status, again.text).toBe(200);
  }, 120_000);
});

describe("finding 5: one user's password changes cannot starve an admin login", () => {
  test("40 concurrent PUT /access/password by an unprivileged user; the admin's login from another address is admitted", async () => {
    await createUser(admin, "busy@pbs", "busy-password");
    const busy = await logIn(server.client, "busy@pbs", "busy-password");
    const changer = clientFrom("127.0.6.1");
    const changes = Array.from({ length: 40 }, (_, i) =>
      changer.send({
        method: "PUT",
        path: `${API_PREFIX}/access/password`,
        headers: { "content-type": "application/json", ...sessionHeaders(busy) },
        body: JSON.stringify({ userid: "busy@pbs", password: `busy-new-${i}`, "confirmation-password": "busy-password" }),
      }),
    );
    const login = await postJson(clientFrom("127.0.6.2"), "/access/ticket", { username: TEST_ADMIN, password: TEST_ADMIN_PASSWORD });
    expect(login.status, login.text).toBe(200);
    const statuses = (await Promise.all(changes)).map((response) => response.status);
    // Each is a success, a refusal of its share (429), or a session the first change ended (401); never a 5xx.
    expect(statuses.every((status) => status === 200 || status === 401 || status === 429)).toBe(true);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(30);
  }, 120_000);
});

describe("finding 6: token quotas", () => {
  test("a user at GATEHOUSE_MAX_TOKENS_PER_USER gets a 400 naming the limit, as PBS's one-line error, and nothing is created", async () => {
    await createUser(admin, "quota@pbs", "quota-password");
    const quota = await logIn(server.client, "quota@pbs", "quota-password");
    for (let i = 0; i < MAX_TOKENS_PER_USER; i += 1) await createToken(quota, "quota@pbs", `t${i}`);
    const refused = await server.client.api("POST", "/access/users/quota@pbs/token/one-more", { headers: sessionHeaders(quota) });
    expect(refused.status, refused.text).toBe(400);
    // PBS's JSON format sends an error as its one-line message in the body.
    expect(refused.text).toMatch(/^user 'quota@pbs' already has 3 API tokens.*GATEHOUSE_MAX_TOKENS_PER_USER/);
    const listed = await server.client.api("GET", "/access/users/quota@pbs/token", { headers: sessionHeaders(quota) });
    expect((listed.json?.data as unknown[]).length).toBe(MAX_TOKENS_PER_USER);
  });
});

describe("issue 18.3: the last superuser cannot be removed over the API", () => {
  test("disabling, expiring, deleting admin@pbs or removing its Admin entry on / is a 409, and nothing changes", async () => {
    const headers = sessionHeaders(admin);
    const attempts: ApiResponse[] = [
      await server.client.api("PUT", `/access/users/${TEST_ADMIN}`, { body: { enable: false }, headers }),
      await server.client.api("PUT", `/access/users/${TEST_ADMIN}`, { body: { expire: 1 }, headers }),
      await server.client.api("DELETE", `/access/users/${TEST_ADMIN}`, { headers }),
      await server.client.api("PUT", "/access/acl", { body: { path: "/", role: "Admin", "auth-id": TEST_ADMIN, delete: true }, headers }),
      await server.client.api("PUT", "/access/acl", { body: { path: "/", role: "NoAccess", "auth-id": TEST_ADMIN }, headers }),
    ];
    for (const response of attempts) {
      expect(response.status, response.text).toBe(409);
      expect(response.text).toMatch(/^refused: this would leave no enabled user with Permissions.Modify on '\/'/);
    }
    const acl = JSON.parse(readFileSync(`${server.dataDir}/acl.json`, "utf8")) as unknown;
    expect(JSON.stringify(acl)).toContain(TEST_ADMIN);
    expect((await server.client.api("GET", "/version", { headers })).status).toBe(200);
  });
});

describe("two workers on one host", () => {
  let pair: TestServer;
  beforeAll(async () => {
    pair = await startTestServer({ workers: 2, env: { GATEHOUSE_TEST_EXPOSE_WORKER: "1" } });
  }, 90_000);
  afterAll(async () => {
    await pair?.stop();
  });

  test("the workers' failure limits add up to the documented host limit (10 + 2 - 1), not twice the limit (decision 010)", async () => {
    const session = await logIn(pair.client);
    const token = await createToken(session, TEST_ADMIN, "guessed");
    const failuresByWorker = new Map<string, number>();
    let refusals = 0;
    // Fresh connections, so the primary hands them to both workers in turn.
    for (let attempt = 0; attempt < 60 && refusals < 6; attempt += 1) {
      const response = await pair.client.api("GET", "/version", {
        headers: tokenHeaders(token.tokenid, randomUUID()),
        freshConnection: true,
      });
      expect([401, 429]).toContain(response.status);
      const worker = String(response.headers["x-gatehouse-worker"]);
      if (response.status === 401) failuresByWorker.set(worker, (failuresByWorker.get(worker) ?? 0) + 1);
      else refusals += 1;
    }
    const failures = [...failuresByWorker.values()].reduce((sum, n) => sum + n, 0);
    expect(refusals).toBe(6);
    expect(failures).toBeLessThanOrEqual(11);
    // Each worker holds its half of the per-(token id, address) limit of 10.
    for (const perWorker of failuresByWorker.values()) expect(perWorker).toBeLessThanOrEqual(5);
  }, 120_000);

  test("no worker has GATEHOUSE_ADMIN_PASSWORD in its environment (finding 10)", async () => {
    const workers = new Set<string>();
    for (let attempt = 0; attempt < 40 && workers.size < 2; attempt += 1) {
      const response = await pair.client.api("GET", "/version", { freshConnection: true });
      workers.add(String(response.headers["x-gatehouse-worker"]));
    }
    expect(workers.size).toBe(2);
    for (const pid of workers) {
      const environ = readFileSync(`/proc/${pid}/environ`, "utf8");
      // The worker is ours and its environment readable: the other variables are there.
      expect(environ).toContain("GATEHOUSE_DATA_DIR=");
      expect(environ).not.toContain("GATEHOUSE_ADMIN_PASSWORD");
      expect(environ).not.toContain(TEST_ADMIN_PASSWORD);
    }
  });
});
