import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cookieHeaders, tokenHeaders, type HttpsTestClient } from "./test-support/https-client.js";
import { createToken, logIn, sessionHeaders } from "./test-support/sessions.js";
import { runTs } from "./test-support/spawn-ts.js";
import { TEST_ADMIN, TEST_ADMIN_PASSWORD, startTestServer, type TestServer } from "./test-support/test-server.js";

// Round-robin over two workers: a handful of fresh connections reaches both.
const MAX_ATTEMPTS_PER_WORKER_PAIR = 24;

/** The value of one series, written with its labels as the exposition writes them. */
function readSampleOr(text: string, series: string, fallback: number): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? fallback : Number(line.slice(series.length + 1));
}

function readSample(text: string, series: string): number {
  const value = readSampleOr(text, series, Number.NaN);
  if (Number.isNaN(value)) throw new Error(`no series ${series} in:\n${text}`);
  return value;
}

const tempDirs: string[] = [];
function makeDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-main-"));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe("two workers sharing the port", () => {
  let server: TestServer;
  let client: HttpsTestClient;

  beforeAll(async () => {
    server = await startTestServer({ workers: 2, env: { GATEHOUSE_TEST_EXPOSE_WORKER: "1" } });
    client = server.client;
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** Sends the request on fresh connections until each worker has answered once. */
  async function askEveryWorker(headers: Record<string, string>): Promise<Map<string, number>> {
    const statusByWorker = new Map<string, number[]>();
    for (let attempt = 0; attempt < MAX_ATTEMPTS_PER_WORKER_PAIR && statusByWorker.size < 2; attempt += 1) {
      const response = await client.api("GET", "/version", { headers, freshConnection: true });
      const worker = String(response.headers["x-gatehouse-worker"]);
      statusByWorker.set(worker, [...(statusByWorker.get(worker) ?? []), response.status]);
    }
    expect(statusByWorker.size, "both workers answered").toBe(2);
    const result = new Map<string, number>();
    for (const [worker, statuses] of statusByWorker) {
      // Every answer of a worker must agree, not just the first.
      expect(new Set(statuses).size, `worker ${worker} answered ${statuses.join(",")}`).toBe(1);
      result.set(worker, statuses[0] ?? 0);
    }
    return result;
  }

  test("a rotation through one worker is seen at once by requests the other worker serves", async () => {
    const session = await logIn(client);
    const token = await createToken(session, TEST_ADMIN, "cluster");
    // Warm both workers' caches with the old secret.
    expect([...(await askEveryWorker(tokenHeaders(token.tokenid, token.secret))).values()]).toEqual([200, 200]);

    const rotated = await client.api("PUT", `/access/users/${TEST_ADMIN}/token/cluster`, {
      body: { regenerate: true },
      headers: sessionHeaders(session),
      freshConnection: true,
    });
    expect(rotated.status, rotated.text).toBe(200);
    const rotatingWorker = String(rotated.headers["x-gatehouse-worker"]);
    const newSecret = (rotated.json?.data as { secret: string }).secret;

    const oldSecret = await askEveryWorker(tokenHeaders(token.tokenid, token.secret));
    expect([...oldSecret.keys()]).toContain(rotatingWorker);
    expect([...oldSecret.values()]).toEqual([401, 401]);
    expect([...(await askEveryWorker(tokenHeaders(token.tokenid, newSecret))).values()]).toEqual([200, 200]);
  });

  test("a cookie session and its CSRF token work on either worker", async () => {
    const session = await logIn(client);
    const statuses = new Set<number>();
    const workers = new Set<string>();
    for (let attempt = 0; attempt < MAX_ATTEMPTS_PER_WORKER_PAIR && workers.size < 2; attempt += 1) {
      const response = await client.api("PUT", `/access/users/${TEST_ADMIN}`, {
        body: { comment: `attempt ${attempt}` },
        headers: sessionHeaders(session),
        freshConnection: true,
      });
      statuses.add(response.status);
      workers.add(String(response.headers["x-gatehouse-worker"]));
    }
    expect(workers.size).toBe(2);
    expect([...statuses]).toEqual([200]);
  });

  test("one scrape of GET /metrics adds up both workers: K token requests spread over both show as K", async () => {
    const session = await logIn(client);
    const token = await createToken(session, TEST_ADMIN, "counted");
    // The scrapes authenticate with the cookie, so they add nothing to the token counters.
    const scrape = async () => {
      const response = await client.call("GET", "/metrics", { headers: cookieHeaders(session), freshConnection: true });
      expect(response.status, response.text).toBe(200);
      return response.text;
    };
    const versionOk = 'gatehouse_http_request_duration_seconds_count{method="GET",route="/version",status="200"}';
    const tokenChecks = (text: string) =>
      readSample(text, "gatehouse_token_cache_hits_total") + readSample(text, "gatehouse_token_cache_misses_total");
    const before = await scrape();
    expect(before.match(/^gatehouse_worker_info\{worker="\d+"\} 1$/gm)).toHaveLength(2);

    const K = 30;
    const workers = new Map<string, number>();
    for (let i = 0; i < K; i += 1) {
      const response = await client.api("GET", "/version", { headers: tokenHeaders(token.tokenid, token.secret), freshConnection: true });
      expect(response.status).toBe(200);
      const worker = String(response.headers["x-gatehouse-worker"]);
      workers.set(worker, (workers.get(worker) ?? 0) + 1);
    }
    expect(workers.size, "the requests were spread over both workers").toBe(2);

    const after = await scrape();
    expect(readSample(after, versionOk) - readSampleOr(before, versionOk, 0)).toBe(K);
    expect(tokenChecks(after) - tokenChecks(before)).toBe(K);
    // Each worker's own request count is in the sum, not just the answering worker's.
    expect(Math.min(...workers.values())).toBeGreaterThan(0);
  });

  test("SIGTERM stops the primary and its workers with exit code 0", async () => {
    expect(await server.stop()).toBe(0);
  });
});

describe("logging", () => {
  test("request logs name method, path and status but never a password, ticket, CSRF token or secret", async () => {
    const server = await startTestServer({ env: { GATEHOUSE_LOG_LEVEL: "debug" } });
    try {
      const session = await logIn(server.client);
      const token = await createToken(session, TEST_ADMIN, "logged");
      const probed = await server.client.api("GET", "/version", {
        headers: tokenHeaders(token.tokenid, token.secret),
        query: { probe: "query-secret" },
      });
      const requestId = String(probed.headers["x-request-id"]);
      expect(requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      await server.client.api("POST", "/access/ticket", { form: { username: TEST_ADMIN, password: "wrong-password-in-log?" } });
      await server.client.api("PUT", `/access/users/${TEST_ADMIN}/token/logged`, {
        body: { regenerate: true },
        headers: sessionHeaders(session),
      });
      expect(await server.stop()).toBe(0);
      const log = server.process.output();
      // The request's line carries the id its response sent as X-Request-Id.
      expect(log).toContain(`"reqId":"${requestId}","method":"GET","path":"/api2/json/version","status":400`);
      const requestLines = log.split("\n").filter((line) => line.includes('"msg":"request"'));
      expect(requestLines.length).toBeGreaterThanOrEqual(4);
      for (const line of requestLines) expect(line).toMatch(/"reqId":"[0-9a-f-]{36}"/);
      for (const secret of [
        TEST_ADMIN_PASSWORD,
        "wrong-password-in-log?",
        session.ticket.split("::")[1] ?? "",
        session.csrf,
        token.secret,
        "query-secret",
      ]) {
        expect(secret.length).toBeGreaterThan(5);
        expect(log).not.toContain(secret);
      }
    } finally {
      await server.stop();
    }
  });
});

describe("startup", () => {
  test("a bad configuration value stops the server with a message naming it and no stack trace", async () => {
    const run = await runTs("main.ts", [], { GATEHOUSE_WORKERS: "lots", GATEHOUSE_PORT: "99999", GATEHOUSE_DATA_DIR: makeDataDir() });
    expect(run.code).toBe(1);
    expect(run.output).toContain("GATEHOUSE_WORKERS");
    expect(run.output).toContain("GATEHOUSE_PORT");
    expect(run.output).not.toMatch(/^\s+at /m);
  });

  test("a port in use is reported clearly", async () => {
    const first = await startTestServer();
    try {
      const port = new URL(first.baseUrl).port;
      const second = await runTs("main.ts", [], { GATEHOUSE_PORT: port, GATEHOUSE_DATA_DIR: first.dataDir, GATEHOUSE_HOST: "127.0.0.1" });
      expect(second.code).toBe(1);
      expect(second.output).toContain("EADDRINUSE");
      expect(second.output).not.toMatch(/^\s+at /m);
    } finally {
      expect(await first.stop()).toBe(0);
    }
  });

  test("a generated admin password is printed once, works, and is not printed on the next start", async () => {
    const dataDir = makeDataDir();
    const first = await startTestServer({ dataDir, env: { GATEHOUSE_ADMIN_PASSWORD: "" } });
    const printed = /generated password, shown only this once:\n\n {4}(\S+)\n/.exec(first.process.output());
    const password = printed?.[1] ?? "";
    expect(password.length).toBeGreaterThanOrEqual(16);
    await logIn(first.client, TEST_ADMIN, password);
    expect(await first.stop()).toBe(0);

    const second = await startTestServer({ dataDir, env: { GATEHOUSE_ADMIN_PASSWORD: "" } });
    expect(second.process.output()).not.toContain(password);
    expect(second.process.output()).toContain("TLS certificate: self-signed (reused)");
    await logIn(second.client, TEST_ADMIN, password);
    expect(await second.stop()).toBe(0);
  });
});
