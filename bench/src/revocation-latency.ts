/**
 * `pnpm bench:revocation`: how long a token rotated on one node stays usable on
 * another node that shares the PostgreSQL database (I1 between nodes).
 *
 * Two real built nodes (`apps/bff/dist/main.js`) run on one schema. Each trial makes
 * node B cache the current secret, then rotates the token on node A while probing B
 * with the old secret back to back (one request in flight, no pause) until B
 * refuses it. Times are relative to the moment A's response was in:
 *  - revoked by: the start of the first request B refused. Every request that
 *    started earlier was accepted, so B switched between the previous request's
 *    start and this one's. Negative when B refused a request that started before
 *    A's response arrived (NOTIFY goes out at commit, before A answers). The target
 *    is p99 <= 50 ms.
 *  - last accepted: the start of the last request B still accepted.
 *  - refusal received: when that refusal arrived. It adds B's argon2 check of the
 *    wrong secret (its cache was just flushed), which is hashing, not propagation.
 *
 * Environment: BENCH_DATABASE_URL (else GATEHOUSE_TEST_DATABASE_URL, else the local
 * test server), BENCH_DATABASE_SCHEMA (default gatehouse_bench; reused between runs,
 * the bench removes its token afterwards), BENCH_REVOCATION_TRIALS (default 200).
 */
import { Agent, request } from "node:https";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { GatehouseApiError } from "@gatehouse/client";
import { openAdminSession, type AdminSession } from "./admin-session.js";
import { startServer, type RunningServer } from "./server-process.js";

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.GATEHOUSE_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const SCHEMA = process.env.BENCH_DATABASE_SCHEMA ?? "gatehouse_bench";
const TRIALS = readPositiveInteger("BENCH_REVOCATION_TRIALS", 200);
const ADMIN = "admin@pbs";
const ADMIN_PASSWORD = "bench-admin-password-1";
const TOKEN_NAME = "revocation-bench";
const TARGET_P99_MS = 50;
// Per trial: a revocation slower than this counts as not seen, and the run fails.
const POLL_TIMEOUT_MS = 2_000;
const POLL_MAX_REQUESTS = 20_000;
const REQUEST_TIMEOUT_MS = 10_000;
const RESULTS_DIR = resolve(import.meta.dirname, "../results");

interface Trial {
  /** A's rotation request, start to response. */
  rotateMs: number;
  revokedByMs: number;
  lastAcceptedMs: number;
  refusalReceivedMs: number;
  /** Old-secret requests B accepted after A's response. */
  acceptedAfterResponse: number;
  /** Old-secret requests sent to B in the trial, the refused one included. */
  probes: number;
  refusalStatus: number;
}

function readPositiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

/** `agent` trusts the node's own self-signed certificate (its `ca`), nothing else. */
function requestStatus(agent: Agent, baseUrl: string, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolveStatus, reject) => {
    const req = request(new URL(`/api2/json${path}`, baseUrl), { method: "GET", agent, headers }, (res) => {
      res.resume();
      res.once("end", () => resolveStatus(res.statusCode ?? 0));
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.once("error", reject);
    req.end();
  });
}

function tokenHeader(tokenid: string, secret: string): Record<string, string> {
  return { authorization: `PBSAPIToken=${tokenid}:${secret}` };
}

/**
 * Each trial polls B from its own loopback address (127.0.1.x, 127.0.2.x, ...).
 * Every trial ends with one refused secret, and auth-core throttles a source after
 * 50 failures a minute: from one address, later trials would measure the throttle.
 */
function sourceAddressOf(trial: number): string {
  return `127.0.${1 + Math.floor(trial / 250)}.${1 + (trial % 250)}`;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

function summarize(values: number[]) {
  const sorted = [...values].sort((x, y) => x - y);
  return { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN };
}

async function removeToken(session: AdminSession): Promise<void> {
  try {
    await session.api.deleteToken(ADMIN, TOKEN_NAME);
  } catch (error) {
    // Absent already: a previous run cleaned up.
    if (!(error instanceof GatehouseApiError) || error.status !== 404) throw error;
  }
}

async function rotateToken(session: AdminSession): Promise<string> {
  return (await session.api.regenerateToken(ADMIN, TOKEN_NAME)).secret;
}

interface Probe {
  sent: number;
  received: number;
  status: number;
}

/** Old-secret requests to B, back to back, until the first refusal or `deadline()`; bounded in count too. */
async function probeUntilRefused(agent: Agent, b: RunningServer, header: Record<string, string>, deadline: () => number): Promise<Probe[]> {
  const probes: Probe[] = [];
  for (let i = 0; i < POLL_MAX_REQUESTS; i += 1) {
    const sent = performance.now();
    if (sent > deadline()) break;
    const status = await requestStatus(agent, b.baseUrl, "/version", header);
    probes.push({ sent, received: performance.now(), status });
    if (status !== 200) break;
  }
  return probes;
}

async function runTrial(
  b: RunningServer,
  session: AdminSession,
  token: { tokenid: string; secret: string },
  trial: number,
): Promise<{ trial: Trial; newSecret: string }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, localAddress: sourceAddressOf(trial), ca: b.caCertPem });
  try {
    const oldHeader = tokenHeader(token.tokenid, token.secret);
    // B must hold the secret in its cache, the state a missed revocation would exploit; this also opens the connection.
    for (let i = 0; i < 2; i += 1) {
      const status = await requestStatus(agent, b.baseUrl, "/version", oldHeader);
      if (status !== 200) throw new Error(`trial ${trial}: B did not accept the current secret (HTTP ${status})`);
    }
    // B is probed from before the rotation on, so the switch is located even when it
    // precedes A's response (it usually does: NOTIFY is delivered at commit).
    const rotateStarted = performance.now();
    let deadline = rotateStarted + REQUEST_TIMEOUT_MS + POLL_TIMEOUT_MS;
    const probing = probeUntilRefused(agent, b, oldHeader, () => deadline);
    const rotation = rotateToken(session).then((secret) => ({ secret, responded: performance.now() }));
    const [{ secret: newSecret, responded }, probes] = await Promise.all([
      rotation.then((done) => {
        deadline = done.responded + POLL_TIMEOUT_MS;
        return done;
      }),
      probing,
    ]);

    const refusal = probes.at(-1);
    if (refusal === undefined || refusal.status === 200) {
      throw new Error(`trial ${trial}: B still accepted the old secret ${POLL_TIMEOUT_MS} ms after A's response`);
    }
    // 429 is a refusal too: only the slow path throttles, and a cached secret never reaches it.
    if (refusal.status !== 401 && refusal.status !== 429) throw new Error(`trial ${trial}: B answered HTTP ${refusal.status}`);
    if (refusal.sent < rotateStarted) throw new Error(`trial ${trial}: B refused the secret before the rotation was sent`);
    return {
      trial: {
        rotateMs: responded - rotateStarted,
        revokedByMs: refusal.sent - responded,
        lastAcceptedMs: (probes.at(-2)?.sent ?? rotateStarted) - responded,
        refusalReceivedMs: refusal.received - responded,
        acceptedAfterResponse: probes.filter((probe) => probe.status === 200 && probe.sent > responded).length,
        probes: probes.length,
        refusalStatus: refusal.status,
      },
      newSecret,
    };
  } finally {
    agent.destroy();
  }
}

function formatMs(value: number): string {
  return Math.abs(value) < 10 ? value.toFixed(2) : value.toFixed(1);
}

function formatTable(trials: Trial[]): string {
  const rows: [string, number[]][] = [
    ["revoked by: first refused request to B sent", trials.map((t) => t.revokedByMs)],
    ["last accepted request to B sent", trials.map((t) => t.lastAcceptedMs)],
    ["refusal received from B (adds B's argon2 check)", trials.map((t) => t.refusalReceivedMs)],
    ["(A's rotation request itself, start to response)", trials.map((t) => t.rotateMs)],
  ];
  const lines = [
    `| ms after A's rotation response (${trials.length} trials) | p50 | p90 | p99 | max |`,
    "|---|---|---|---|---|",
    ...rows.map(([name, values]) => {
      const s = summarize(values);
      return `| ${name} | ${formatMs(s.p50)} | ${formatMs(s.p90)} | ${formatMs(s.p99)} | ${formatMs(s.max)} |`;
    }),
  ];
  return lines.join("\n");
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const extraEnv = { GATEHOUSE_DATABASE_URL: DATABASE_URL, GATEHOUSE_DATABASE_SCHEMA: SCHEMA, GATEHOUSE_LOG_LEVEL: "warn" };
  console.log(`starting two nodes on PostgreSQL schema ${SCHEMA}...`);
  // One after the other: the first start creates the schema and the admin, the second finds them.
  const a = await startServer({ workers: 1, adminPassword: ADMIN_PASSWORD, extraEnv });
  let b: RunningServer | undefined;
  try {
    b = await startServer({ workers: 1, adminPassword: ADMIN_PASSWORD, extraEnv });
    const session = await openAdminSession(a, ADMIN, ADMIN_PASSWORD).catch((error: unknown) => {
      throw new Error(`login to node A failed; if schema ${SCHEMA} is left from a run with another admin password, drop it`, {
        cause: error,
      });
    });
    await removeToken(session);
    const created = await session.api.createToken(ADMIN, TOKEN_NAME);
    let token = { tokenid: created.tokenid, secret: created.value };
    const trials: Trial[] = [];
    try {
      for (let i = 0; i < TRIALS; i += 1) {
        const { trial, newSecret } = await runTrial(b, session, token, i);
        trials.push(trial);
        token = { ...token, secret: newSecret };
        if ((i + 1) % 50 === 0) console.log(`  ${i + 1}/${TRIALS} trials`);
      }
    } finally {
      await removeToken(session);
      await session.close();
    }

    const revoked = summarize(trials.map((t) => t.revokedByMs));
    const late = trials.filter((t) => t.acceptedAfterResponse > 0);
    const throttled = trials.filter((t) => t.refusalStatus === 429).length;
    const table = formatTable(trials);
    const verdict = revoked.p99 <= TARGET_P99_MS ? "PASS" : "FAIL";
    const summary = [
      `old secret accepted by B after A's response: ${late.reduce((n, t) => n + t.acceptedAfterResponse, 0)} requests in ${late.length} of ${trials.length} trials`,
      `refusals: ${trials.length - throttled} x 401, ${throttled} x 429`,
      `target: revoked-by p99 <= ${TARGET_P99_MS} ms: ${verdict} (p99 ${formatMs(revoked.p99)} ms)`,
    ];
    console.log(`\nrevocation latency between two nodes on PostgreSQL\n\n${table}\n\n${summary.join("\n")}\n`);

    mkdirSync(RESULTS_DIR, { recursive: true });
    const resultsFile = join(RESULTS_DIR, `revocation-${new Date(startedAt).toISOString().replace(/[:.]/g, "-")}.json`);
    writeFileSync(resultsFile, JSON.stringify({ startedAt: new Date(startedAt).toISOString(), schema: SCHEMA, trials }, null, 2));
    console.log(`results written to ${resultsFile} (${((Date.now() - startedAt) / 1000).toFixed(0)} s)`);
    // For quoting: the table again, last on stdout, fenced.
    console.log(`\n\`\`\`\n${table}\n${summary.join("\n")}\n\`\`\``);
    if (verdict === "FAIL") process.exitCode = 1;
  } finally {
    await b?.stop();
    await a.stop();
  }
}

await main();
