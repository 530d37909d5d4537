/**
 * Issue 6, the concurrency race: two server workers (GATEHOUSE_WORKERS=2) and the
 * admin CLI mutate the same API tokens at once (create, regenerate, enable,
 * disable, delete; at least 1,000 mutations), while verifiers keep presenting
 * the secrets known at each moment, from many client addresses over connections
 * spread across both workers.
 *
 * Spawning the CLI costs about a second per call, so most mutations go over HTTP
 * through both workers and a share (at least CLI_MUTATIONS) through the CLI
 * process on the same data dir. Mutations of one token are serialised (the next
 * starts after the previous was acknowledged), so each token has one well-defined
 * acknowledged history; different tokens change concurrently.
 *
 * Checked:
 * - I1: no secret is accepted by a request that started after its rotation or
 *   deletion was acknowledged; no disabled token is accepted by a request that
 *   overlapped no change of that token;
 * - I2: many verifications of a new secret straddle its next rotation (a slow
 *   argon2 path that began before the rotation and ended after it); none of them
 *   leaves the old secret usable, which the post-acknowledgement probes would see;
 * - liveness: a current secret of an enabled token, with no change overlapping,
 *   is never refused with 401;
 * - afterwards the store holds exactly the acknowledged tokens, flags and secrets.
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AccessControl, SYSTEM_ACTOR, openFileStore } from "@gatehouse/auth-core";
import { tokenHeaders } from "../test-support/https-client.js";
import { createUser, logIn, sessionHeaders, type Session } from "../test-support/sessions.js";
import { runTs } from "../test-support/spawn-ts.js";
import { startTestServer, type TestServer } from "../test-support/test-server.js";
import { RawHttpsClient } from "./raw-client.js";
import { createSeededRandom } from "../test-support/seeded-random.js";

const OWNER = "race@pbs";
const TOKENS = 24;
/** Coverage floor for mutations (issue 6); restored in session 5 with the write path's backlog. */
const MIN_MUTATIONS = 1000;
const CLI_MUTATIONS = 30;
const CLI_CONCURRENCY = 3;
const VERIFIERS = 6;
const SOURCE_ADDRESSES = 64;
/** Pause between two mutations of one token: paces argon2 work (create and regenerate hash once). */
const MUTATION_PAUSE_MS = { min: 150, max: 450 };
/** auth-core's per-token limit is 10 failures a minute; probes of dead secrets stay under it. */
const FAILURE_BUDGET_PER_TOKEN = 8;
const FAILURE_WINDOW_MS = 60_000;
const RUN_DEADLINE_MS = 360_000;
/**
 * Coverage floors: the run goes on until each is reached (bounded by RUN_DEADLINE_MS),
 * so a slow machine takes longer instead of failing (issue 15, the flaky race test).
 */
const MIN_DEAD_SECRETS_REFUSED = 40;
const MIN_DISABLED_PROBES = 40;
const MIN_LIVE_PROBES = 80;
const TEST_TIMEOUT_MS = 480_000;
const SEED = Number(process.env.GATEHOUSE_FUZZ_SEED ?? 0x2ace);

let server: TestServer;
let session: Session;
const clients: RawHttpsClient[] = [];

beforeAll(async () => {
  server = await startTestServer({ workers: 2, env: { GATEHOUSE_TEST_EXPOSE_WORKER: "1" } });
  session = await logIn(server.client);
  await createUser(session, OWNER, "race owner password");
  for (let i = 1; i <= SOURCE_ADDRESSES; i += 1)
    clients.push(new RawHttpsClient(server.baseUrl, server.certPem, { localAddress: `127.0.4.${i}` }));
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await server?.stop();
});

// --- the acknowledged model -------------------------------------------------------------

type OpKind = "create" | "regenerate" | "enable" | "disable" | "delete";

interface TokenModel {
  name: string;
  tokenid: string;
  exists: boolean;
  enabled: boolean;
  secret: string | null;
  /** Secrets made invalid by an acknowledged rotation or deletion, with the acknowledgement time. */
  revoked: { secret: string; ackAt: number }[];
  /** Start and end of every mutation; end is Infinity while it runs. */
  ops: { start: number; end: number }[];
  /** When this token's requests failed, for the failure budget. */
  failures: number[];
  /** Serialises this token's mutations, HTTP and CLI alike. */
  queue: Promise<void>;
}

const tokens: TokenModel[] = Array.from({ length: TOKENS }, (_, i) => ({
  name: `r${i}`,
  tokenid: `${OWNER}!r${i}`,
  exists: false,
  enabled: false,
  secret: null,
  revoked: [],
  ops: [],
  failures: [],
  queue: Promise.resolve(),
}));

interface Stats {
  httpMutations: number;
  cliMutations: number;
  mutationsByWorker: Map<string, number>;
  verifications: number;
  verificationsByWorker: Map<string, number>;
  deadSecretProbes: number;
  deadSecretRefused: number;
  disabledProbes: number;
  liveProbes: number;
  straddling: number;
  throttled: number;
  violations: string[];
}

const stats: Stats = {
  httpMutations: 0,
  cliMutations: 0,
  mutationsByWorker: new Map(),
  verifications: 0,
  verificationsByWorker: new Map(),
  deadSecretProbes: 0,
  deadSecretRefused: 0,
  disabledProbes: 0,
  liveProbes: 0,
  straddling: 0,
  throttled: 0,
  violations: [],
};

function count(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function workerOf(headers: Record<string, string | string[] | undefined>): string {
  const worker = headers["x-gatehouse-worker"];
  return Array.isArray(worker) ? worker.join(",") : (worker ?? "?");
}

/** Runs `change` as this token's next mutation, recording its span. */
function mutate(token: TokenModel, change: () => Promise<void>): Promise<void> {
  const run = token.queue.then(async () => {
    const span = { start: performance.now(), end: Infinity };
    token.ops.push(span);
    try {
      await change();
    } finally {
      span.end = performance.now();
    }
  });
  token.queue = run.catch(() => undefined);
  return run;
}

function chooseOp(token: TokenModel, random: () => number): OpKind {
  if (!token.exists) return "create";
  const roll = random();
  if (roll < 0.35) return "regenerate";
  if (roll < 0.8) return token.enabled ? "disable" : "enable";
  return "delete";
}

function acknowledge(token: TokenModel, op: OpKind, newSecret: string | null): void {
  const ackAt = performance.now();
  if ((op === "regenerate" || op === "delete") && token.secret !== null) token.revoked.push({ secret: token.secret, ackAt });
  switch (op) {
    case "create":
      token.exists = true;
      token.enabled = true;
      token.secret = newSecret;
      break;
    case "regenerate":
      token.secret = newSecret;
      break;
    case "enable":
    case "disable":
      token.enabled = op === "enable";
      break;
    case "delete":
      token.exists = false;
      token.enabled = false;
      token.secret = null;
      break;
  }
}

/** Attempts per mutation after a 429 for the actor's hashing slots; bounds the loop. */
const MAX_RETRIES_AFTER_429 = 300;
const RETRY_PAUSE_MS = 100;

async function mutateOverHttp(token: TokenModel, op: OpKind): Promise<void> {
  const path = `/access/users/${OWNER}/token/${token.name}`;
  const headers = sessionHeaders(session);
  const send = () =>
    op === "create"
      ? server.client.api("POST", path, { body: {}, headers })
      : op === "delete"
        ? server.client.api("DELETE", path, { headers })
        : server.client.api("PUT", path, { body: op === "regenerate" ? { regenerate: true } : { enable: op === "enable" }, headers });
  // A 429 (the actor's gate slots, issue 15 finding 5) or a 503 (store lock not won in
  // time) means the change was not applied; retry it as a script would, bounded.
  let response = await send();
  for (let attempt = 1; (response.status === 429 || response.status === 503) && attempt <= MAX_RETRIES_AFTER_429; attempt++) {
    await sleep(RETRY_PAUSE_MS);
    response = await send();
  }
  if (response.status !== 200) throw new Error(`${op} ${token.tokenid} over HTTP: ${response.status} ${response.text}`);
  const data = response.json?.data as { value?: string; secret?: string } | null;
  acknowledge(token, op, data?.value ?? data?.secret ?? null);
  stats.httpMutations += 1;
  count(stats.mutationsByWorker, workerOf(response.headers));
}

async function mutateWithCli(token: TokenModel, op: OpKind): Promise<void> {
  const verb = op === "create" ? "add" : op;
  const run = await runTs("cli.ts", ["--data-dir", server.dataDir, "token", verb, token.tokenid, "--json"], {});
  if (run.code !== 0) throw new Error(`gatehouse token ${verb} ${token.tokenid}: exit ${String(run.code)}\n${run.output}`);
  let secret: string | null = null;
  if (op === "create" || op === "regenerate") {
    const line = run.output.split("\n").find((candidate) => candidate.startsWith("{"));
    secret = (JSON.parse(line ?? "{}") as { value?: string }).value ?? null;
    if (secret === null) throw new Error(`no secret in the CLI output of ${verb}`);
  }
  acknowledge(token, op, secret);
  stats.cliMutations += 1;
}

// --- verification ------------------------------------------------------------------------

function overlapsChange(token: TokenModel, t0: number, t1: number): boolean {
  return token.ops.some((op) => op.start < t1 && op.end > t0);
}

function withinFailureBudget(token: TokenModel, now: number): boolean {
  token.failures = token.failures.filter((at) => at > now - FAILURE_WINDOW_MS);
  return token.failures.length < FAILURE_BUDGET_PER_TOKEN;
}

/** Share of probes aimed at any token, changing or not, to cover the window I2 is about. */
const ANY_TOKEN_SHARE = 0.25;
const IDLE_PICK_ATTEMPTS = 8;

function isChanging(token: TokenModel): boolean {
  return token.ops.at(-1)?.end === Infinity;
}

/**
 * Mostly a token with no change in flight: a probe that overlaps a change proves
 * nothing about I1 and is not counted, and with 24 tokens changing back to back most
 * random picks overlapped (session 4: 2,637 probes, 55 counted).
 */
function pickToken(random: () => number): TokenModel | undefined {
  const any = () => tokens[Math.floor(random() * tokens.length)];
  if (random() < ANY_TOKEN_SHARE) return any();
  for (let attempt = 0; attempt < IDLE_PICK_ATTEMPTS; attempt++) {
    const candidate = any();
    if (candidate !== undefined && !isChanging(candidate)) return candidate;
  }
  return any();
}

async function verifyOnce(random: () => number): Promise<void> {
  const token = pickToken(random);
  if (token === undefined) return;
  const t0 = performance.now();
  // What the test knows at this moment, before the request leaves.
  const dead = token.revoked.filter((entry) => entry.ackAt < t0);
  const probeDead = dead.length > 0 && random() < 0.35 && withinFailureBudget(token, t0);
  const secret = probeDead ? dead[dead.length - 1 - Math.floor(random() * Math.min(3, dead.length))]?.secret : token.secret;
  if (secret === undefined || secret === null) return;
  const enabledAtStart = token.enabled;
  const secretAtStart = token.secret;
  const client = clients[Math.floor(random() * clients.length)];
  if (client === undefined) return;
  const response = await client.send({ method: "GET", path: "/api2/json/version", headers: tokenHeaders(token.tokenid, secret) });
  const t1 = performance.now();
  stats.verifications += 1;
  count(stats.verificationsByWorker, workerOf(response.headers));
  if (response.status === 429) stats.throttled += 1;
  if (response.status !== 200) token.failures.push(t1);
  const where = `${token.tokenid} ${response.status} on worker ${workerOf(response.headers)}`;
  if (response.status >= 500) stats.violations.push(`5xx: ${where} ${response.text}`);

  if (probeDead) {
    stats.deadSecretProbes += 1;
    if (response.status === 401) stats.deadSecretRefused += 1;
    if (response.status === 200) stats.violations.push(`I1/I2: a secret revoked before the request started was accepted: ${where}`);
    return;
  }
  // A current secret rotated or deleted while this request ran: the window I2 is about.
  const rotatedDuring = token.ops.some((op) => op.start < t1 && op.end > t0) && token.secret !== secretAtStart;
  if (rotatedDuring) stats.straddling += 1;
  if (overlapsChange(token, t0, t1)) return;
  if (!enabledAtStart) {
    stats.disabledProbes += 1;
    if (response.status === 200) stats.violations.push(`I1: a token disabled before the request started was accepted: ${where}`);
  } else {
    stats.liveProbes += 1;
    if (response.status === 401) stats.violations.push(`liveness: the current secret of an enabled token was refused: ${where}`);
  }
}

// --- the run -----------------------------------------------------------------------------

describe("two workers and the CLI changing tokens at once (issue 6)", () => {
  test(
    "at least 1,000 concurrent mutations: no revoked secret accepted after its acknowledgement (I1), no zombie cache entry (I2), and the store matches what was acknowledged",
    async () => {
      const startedAt = performance.now();
      const deadline = startedAt + RUN_DEADLINE_MS;
      let stopping = false;
      const done = () =>
        stats.httpMutations + stats.cliMutations >= MIN_MUTATIONS &&
        stats.cliMutations >= CLI_MUTATIONS &&
        stats.deadSecretRefused >= MIN_DEAD_SECRETS_REFUSED &&
        stats.disabledProbes >= MIN_DISABLED_PROBES &&
        stats.liveProbes >= MIN_LIVE_PROBES &&
        stats.straddling > 0;

      const httpLanes = tokens.map(async (token, lane) => {
        const random = createSeededRandom(SEED * 97 + lane);
        while (!stopping) {
          await mutate(token, () => mutateOverHttp(token, chooseOp(token, random)));
          // Once HTTP has done its share, it keeps racing the CLI at a third of the pace, to spare the CPU.
          const slowdown = stats.httpMutations >= MIN_MUTATIONS ? 3 : 1;
          await sleep(slowdown * (MUTATION_PAUSE_MS.min + random() * (MUTATION_PAUSE_MS.max - MUTATION_PAUSE_MS.min)));
        }
      });
      const cliLanes = Array.from({ length: CLI_CONCURRENCY }, async (_, lane) => {
        const random = createSeededRandom(SEED * 89 + lane);
        while (!stopping) {
          const token = tokens[Math.floor(random() * tokens.length)];
          if (token === undefined) continue;
          await mutate(token, () => mutateWithCli(token, chooseOp(token, random)));
        }
      });
      const verifiers = Array.from({ length: VERIFIERS }, async (_, lane) => {
        const random = createSeededRandom(SEED * 83 + lane);
        while (!stopping) {
          await verifyOnce(random);
          // Yield between requests so the mutation lanes are never starved on this process.
          await sleep(random() * 4);
        }
      });
      const supervisor = (async () => {
        while (!done() && performance.now() < deadline && stats.violations.length === 0) await sleep(100);
        stopping = true;
      })();
      await Promise.all([supervisor, ...httpLanes, ...cliLanes, ...verifiers]);
      const runS = (performance.now() - startedAt) / 1000;

      console.info(
        `race: ${stats.httpMutations} HTTP mutations (by worker ${JSON.stringify(Object.fromEntries(stats.mutationsByWorker))}) ` +
          `+ ${stats.cliMutations} CLI mutations in ${runS.toFixed(1)} s; ${stats.verifications} verifications ` +
          `(by worker ${JSON.stringify(Object.fromEntries(stats.verificationsByWorker))}): ${stats.deadSecretProbes} with revoked secrets ` +
          `(${stats.deadSecretRefused} refused with 401, the rest throttled), ${stats.disabledProbes} of disabled tokens, ` +
          `${stats.liveProbes} live, ${stats.straddling} of a secret rotated or deleted while they ran, ${stats.throttled} answered 429; seed ${SEED}`,
      );
      expect(stats.violations).toEqual([]);
      expect(stats.httpMutations + stats.cliMutations).toBeGreaterThanOrEqual(MIN_MUTATIONS);
      expect(stats.cliMutations).toBeGreaterThanOrEqual(CLI_MUTATIONS);
      // Both workers took part, and the interesting cases actually happened. The run went on
      // until every floor was reached, so these fail only when the deadline was hit first.
      expect(stats.mutationsByWorker.size).toBe(2);
      expect(stats.verificationsByWorker.size).toBe(2);
      expect(stats.deadSecretRefused).toBeGreaterThanOrEqual(MIN_DEAD_SECRETS_REFUSED);
      expect(stats.disabledProbes).toBeGreaterThanOrEqual(MIN_DISABLED_PROBES);
      expect(stats.liveProbes).toBeGreaterThanOrEqual(MIN_LIVE_PROBES);
      expect(stats.straddling).toBeGreaterThan(0);

      await checkStoreMatchesModel();
    },
    TEST_TIMEOUT_MS,
  );
});

/** The store, read by a fresh facade in this process, holds exactly the acknowledged state. */
async function checkStoreMatchesModel(): Promise<void> {
  const listed = await server.client.api("GET", `/access/users/${OWNER}/token`, { headers: sessionHeaders(session) });
  expect(listed.status, listed.text).toBe(200);
  const stored = new Map((listed.json?.data as { tokenid: string; enable: boolean }[]).map((token) => [token.tokenid, token.enable]));
  const expected = new Map(tokens.filter((token) => token.exists).map((token) => [token.tokenid, token.enabled]));
  expect(stored).toEqual(expected);

  const store = await openFileStore({ dataDir: server.dataDir });
  // Generous throttles: this check presents many dead secrets on purpose.
  const accessControl = await AccessControl.open({
    store,
    identityThrottle: { maxFailures: 1_000_000, windowS: 1 },
    identityCeiling: { maxFailures: 1_000_000, windowS: 1 },
    sourceThrottle: { maxFailures: 1_000_000, windowS: 1 },
  });
  try {
    for (const token of tokens) {
      if (token.secret !== null) {
        const auth = await accessControl.authenticateToken(token.tokenid, token.secret);
        expect(auth !== null, `${token.tokenid} current secret`).toBe(token.enabled);
      }
      for (const { secret } of token.revoked.slice(-3)) {
        expect(await accessControl.authenticateToken(token.tokenid, secret), `${token.tokenid} revoked secret`).toBeNull();
      }
    }
    const { data } = await accessControl.listTokens(SYSTEM_ACTOR, OWNER);
    expect(data.map((token) => token.tokenid).sort()).toEqual([...expected.keys()].sort());
  } finally {
    await accessControl.close();
  }
}
