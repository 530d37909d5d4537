/**
 * `pnpm bench:scale` (issue 10): how Gatehouse behaves at N = 1,000, 10,000 and
 * 100,000 users with one token each, on the file backend (one server, 2 workers) and
 * on PostgreSQL (2 nodes on one schema). The data is created through the store in
 * one mutation, not through N HTTP calls. Prints one table and writes
 * bench/results/scale-<time>.json.
 *
 * Per backend and size: start-up time and RSS; cached-token / baseline requests per
 * second; p50/p99 of cached-token requests (32 tokens in use) with no mutations and
 * during a stream of 5 unrelated token mutations per second, sent to the other node
 * on PostgreSQL; argon2 runs (token-cache misses on every worker and node) caused by
 * one unrelated token create; the full listing (`GET /access/users?include_tokens=1`),
 * the longest event-loop stall the server measured during it, and the slowest
 * cached-token request answered meanwhile; the console's first page
 * (`/access/tokens?limit=50`); and token-create latency.
 *
 * Not part of CI. Bounded: a few seconds of load per measurement, about a minute per
 * cell, well under 15 minutes for all six. Environment: BENCH_SCALE_SIZES (default
 * 1000,10000,100000), BENCH_SCALE_BACKENDS (default file,postgres),
 * BENCH_DATABASE_URL (default the local test server), BENCH_SCALE_DURATION_S (2).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import autocannon from "autocannon";
import pg from "pg";
import { hashSecret, openFileStore, openPostgresStore, type AccessStore } from "@gatehouse/auth-core";
import { openAdminSession, type AdminSession } from "./admin-session.js";
import { readSample, scrapeServer, summarizeEventLoop } from "./metrics-client.js";
import { startServer, type RunningServer } from "./server-process.js";

const SIZES = (process.env.BENCH_SCALE_SIZES ?? "1000,10000,100000").split(",").map(Number);
const BACKENDS = (process.env.BENCH_SCALE_BACKENDS ?? "file,postgres").split(",") as Backend[];
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.GATEHOUSE_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
/** Prefixed with the branch that owns it, so it never collides with another schema on a shared server. */
const SCHEMA = "scale_bench";
const DURATION_S = Number(process.env.BENCH_SCALE_DURATION_S ?? 2);
const ROUNDS = 3;
const CONNECTIONS = 32;
const ACTIVE_TOKENS = 32;
const MUTATIONS_PER_S = 5;
/** Long enough for 20 mutations, so the p99 covers requests that met several of them. */
const MUTATION_STREAM_S = 4;
const TOKEN_CREATES = 8;
/** Issue 10: 8 admin clients writing at once must get no 503 and no lock timeout. */
const CONCURRENT_WRITERS = 8;
const WRITES_PER_WRITER = 4;
const ADMIN = "admin@pbs";
const ADMIN_PASSWORD = "bench-admin-password-1";
/** Every seeded token shares this secret's hash: the listings and config sizes are what count, not N argon2 runs. */
const SEEDED_SECRET = "00000000-0000-4000-8000-000000000000";
const RESULTS_DIR = resolve(import.meta.dirname, "../results");

type Backend = "file" | "postgres";

interface Cell {
  backend: Backend;
  users: number;
  seedS: number;
  startS: number;
  rssMb: number;
  ratio: number;
  quietP50Ms: number;
  quietP99Ms: number;
  mutationP50Ms: number;
  mutationP99Ms: number;
  mutationsDone: number;
  mutationStreamS: number;
  argon2PerUnrelatedMutation: number;
  fullListingS: number;
  listingStallMs: number;
  /** The longest event-loop stall of any worker during the mutation stream (in the JSON line, not the table). */
  mutationStallMs: number;
  slowestTokenRequestDuringListingMs: number;
  firstPageMs: number;
  tokenCreateP50Ms: number;
  /** 8 concurrent admin writers (users and tokens): writes refused (any non-2xx) and the slowest write. */
  concurrentWriteFailures: number;
  concurrentWriteMaxMs: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** Trusts only `server`'s own certificate. */
function get(server: RunningServer, path: string, headers: Record<string, string>): Promise<{ status: number; ms: number; bytes: number }> {
  const startedAt = performance.now();
  return new Promise((resolveGet, reject) => {
    const req = request(new URL(`/api2/json${path}`, server.baseUrl), { method: "GET", agent, headers, ca: server.caCertPem }, (res) => {
      let bytes = 0;
      res.on("data", (chunk: Buffer) => (bytes += chunk.length));
      res.on("end", () => resolveGet({ status: res.statusCode ?? 0, ms: performance.now() - startedAt, bytes }));
    });
    req.setTimeout(120_000, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

function cookieHeaders(session: AdminSession): Record<string, string> {
  return { cookie: `__Host-PBSAuthCookie=${session.ticket}`, CSRFPreventionToken: session.csrf };
}

function tokenHeaders(token: { tokenid: string; secret: string }): Record<string, string> {
  return { authorization: `PBSAPIToken=${token.tokenid}:${token.secret}` };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Resident memory of a process and its direct children (the cluster workers), from /proc. */
function readTreeRssMb(pid: number): number {
  const rssOf = (p: number | string): { rssKb: number; ppid: number } | null => {
    try {
      const status = readFileSync(`/proc/${p}/status`, "utf8");
      return { rssKb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0), ppid: Number(/PPid:\s+(\d+)/.exec(status)?.[1] ?? -1) };
    } catch {
      return null;
    }
  };
  let kb = rssOf(pid)?.rssKb ?? 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const child = rssOf(entry);
    if (child?.ppid === pid) kb += child.rssKb;
  }
  return kb / 1024;
}

async function seed(store: AccessStore, users: number): Promise<void> {
  const [adminHash, tokenHash] = await Promise.all([hashSecret(ADMIN_PASSWORD), hashSecret(SEEDED_SECRET)]);
  await store.mutate((state) => {
    state.config.users[ADMIN] = { userid: ADMIN, enable: true, expire: 0 };
    state.passwordHashes[ADMIN] = adminHash;
    state.config.acl.push({ path: "/", ugid: ADMIN, roleid: "Admin", propagate: true });
    for (let i = 0; i < users; i++) {
      const userid = `runner-${String(i).padStart(6, "0")}@pbs`;
      state.config.users[userid] = { userid, enable: true, expire: 0, comment: `CI runner ${i}` };
      const tokenid = `${userid}!ci`;
      state.config.tokens[tokenid] = { tokenid, enable: true, expire: 0 };
      state.tokenHashes[tokenid] = tokenHash;
    }
  });
  await store.close();
}

async function dropBenchSchema(): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** The servers of one cell: `load` takes the request load, `mutate` the admin changes (the other node on PostgreSQL). */
async function startCell(
  backend: Backend,
  users: number,
): Promise<{ load: RunningServer; mutate: RunningServer; all: RunningServer[]; seedS: number; startS: number; workersPerServer: number }> {
  const seedStartedAt = performance.now();
  if (backend === "file") {
    const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-scale-"));
    await seed(await openFileStore({ dataDir }), users);
    const seedS = (performance.now() - seedStartedAt) / 1000;
    const startedAt = performance.now();
    const server = await startServer({ workers: 2, adminPassword: ADMIN_PASSWORD, dataDir });
    const startS = (performance.now() - startedAt) / 1000;
    const withCleanup: RunningServer = {
      ...server,
      stop: async () => {
        await server.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
    return { load: withCleanup, mutate: withCleanup, all: [withCleanup], seedS, startS, workersPerServer: 2 };
  }
  await dropBenchSchema();
  await seed(await openPostgresStore({ connectionString: DATABASE_URL, schema: SCHEMA }), users);
  const seedS = (performance.now() - seedStartedAt) / 1000;
  const env = { GATEHOUSE_DATABASE_URL: DATABASE_URL, GATEHOUSE_DATABASE_SCHEMA: SCHEMA };
  const startedAt = performance.now();
  const nodeA = await startServer({ workers: 1, adminPassword: ADMIN_PASSWORD, extraEnv: env });
  const startS = (performance.now() - startedAt) / 1000;
  const nodeB = await startServer({ workers: 1, adminPassword: ADMIN_PASSWORD, extraEnv: env });
  return { load: nodeA, mutate: nodeB, all: [nodeA, nodeB], seedS, startS, workersPerServer: 1 };
}

/** Creates a token through the session's node. */
async function createActiveToken(session: AdminSession, name: string): Promise<{ tokenid: string; secret: string }> {
  const created = await session.api.createToken(ADMIN, name);
  return { tokenid: created.tokenid, secret: created.value };
}

function runLoad(url: string, requests: { headers: Record<string, string> }[] | null, durationS = DURATION_S): Promise<autocannon.Result> {
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: durationS,
    ...(requests === null ? {} : { requests: requests.map((r) => ({ method: "GET" as const, headers: r.headers })) }),
  });
}

/** Token-cache misses (each one an argon2 verification) summed over every worker of every server. */
async function scrapeMisses(servers: RunningServer[], session: AdminSession): Promise<number> {
  let misses = 0;
  for (const server of servers)
    misses += readSample(await scrapeServer(server, cookieHeaders(session)), "gatehouse_token_cache_misses_total");
  return misses;
}

async function useEveryToken(servers: RunningServer[], tokens: { tokenid: string; secret: string }[], timesEach: number): Promise<void> {
  // One token at a time: the per-user quota of verifications in progress (issue 15)
  // answers 429 when all 32 tokens of the one bench user miss the cache at once.
  for (const server of servers) {
    for (const token of tokens) {
      for (let i = 0; i < timesEach; i++) {
        const { status } = await get(server, "/version", tokenHeaders(token));
        if (status !== 200) throw new Error(`an active token got HTTP ${status}`);
      }
    }
  }
}

async function measureCell(backend: Backend, users: number): Promise<Cell> {
  const cell = await startCell(backend, users);
  let session: AdminSession | undefined;
  try {
    const { load, mutate, all, workersPerServer } = cell;
    const rssMb = readTreeRssMb(load.process.pid ?? 0);
    session = await openAdminSession(mutate, ADMIN, ADMIN_PASSWORD);
    const tokens = [];
    for (let i = 0; i < ACTIVE_TOKENS; i++) tokens.push(await createActiveToken(session, `active${i}`));
    // Every worker of every node has verified every active token before anything is measured.
    await useEveryToken(all, tokens, 4 * workersPerServer);

    const versionUrl = `${load.baseUrl}/api2/json/version`;
    const tokenRequests = tokens.map((token) => ({ headers: tokenHeaders(token) }));
    const ratios: number[] = [];
    const quiet: autocannon.Result[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const baseline = await runLoad(`${load.baseUrl}/api2/json/access/domains`, null);
      const token = await runLoad(versionUrl, tokenRequests);
      ratios.push(token.requests.average / baseline.requests.average);
      quiet.push(token);
    }

    // A stream of unrelated mutations at a fixed rate: create and delete churn tokens,
    // each sent on schedule whether or not the previous one has answered.
    let mutationsDone = 0;
    const inFlight: Promise<void>[] = [];
    const churn = session.api;
    const timer = setInterval(() => {
      const i = inFlight.length;
      const churnName = `churn${Math.floor(i / 2)}`;
      const send = async () => {
        // A delete waits for its create, so every mutation really changes the store.
        if (i % 2 === 1) await inFlight[i - 1];
        const done = i % 2 === 0 ? churn.createToken(ADMIN, churnName) : churn.deleteToken(ADMIN, churnName);
        // A refused mutation is simply not counted, as before.
        if (
          await done.then(
            () => true,
            () => false,
          )
        )
          mutationsDone++;
      };
      inFlight.push(send());
    }, 1000 / MUTATIONS_PER_S);
    // A scrape starts each worker's next event-loop window: the one after the stream covers it.
    await scrapeServer(load, cookieHeaders(session));
    const duringMutations = await runLoad(versionUrl, tokenRequests, MUTATION_STREAM_S);
    clearInterval(timer);
    await Promise.all(inFlight);
    const mutationStallMs = summarizeEventLoop(await scrapeServer(load, cookieHeaders(session))).maxMs;

    // argon2 runs caused by one unrelated mutation, on every worker of every node.
    // At 100,000 tokens the stream above can outlast the cache TTL (60 s): warm up
    // until a round of requests adds no miss, so expired entries are not counted
    // against the mutation.
    for (let round = 0; round < 5; round++) {
      const before = await scrapeMisses(all, session);
      await useEveryToken(all, tokens, 4 * workersPerServer);
      if ((await scrapeMisses(all, session)) === before) break;
    }
    const missesBefore = await scrapeMisses(all, session);
    await createActiveToken(session, "unrelated");
    await new Promise((r) => setTimeout(r, 200));
    await useEveryToken(all, tokens, 4 * workersPerServer);
    const argon2PerUnrelatedMutation = (await scrapeMisses(all, session)) - missesBefore;

    // The full listing, the stall it caused, and cached-token requests answered meanwhile.
    // A scrape starts each worker's next event-loop window: the one after the listing covers it.
    await scrapeServer(load, cookieHeaders(session));
    let listing = true;
    let slowestTokenRequestMs = 0;
    const probe = (async () => {
      while (listing) {
        const { ms } = await get(load, "/version", tokenHeaders(tokens[0] ?? { tokenid: "", secret: "" }));
        slowestTokenRequestMs = Math.max(slowestTokenRequestMs, ms);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const full = await get(load, "/access/users?include_tokens=1", cookieHeaders(session));
    listing = false;
    await probe;
    if (full.status !== 200) throw new Error(`full listing: HTTP ${full.status}`);
    const listingStallMs = summarizeEventLoop(await scrapeServer(load, cookieHeaders(session))).maxMs;
    const firstPage = await get(load, "/access/tokens?limit=50", cookieHeaders(session));

    const createMs: number[] = [];
    for (let i = 0; i < TOKEN_CREATES; i++) {
      const startedAt = performance.now();
      await createActiveToken(session, `timed${i}`);
      createMs.push(performance.now() - startedAt);
    }

    // 8 admin clients at once, each creating a user and then tokens: every write must land (issue 10, point 4).
    const writeMs: number[] = [];
    let concurrentWriteFailures = 0;
    const writer = async (lane: number): Promise<void> => {
      for (let i = 0; i < WRITES_PER_WRITER; i++) {
        const startedAt = performance.now();
        try {
          if (i === 0) await session?.api.createUser({ userid: `writer${lane}@pbs`, password: "writer-password-1" });
          else await session?.api.createToken(ADMIN, `writer${lane}-${i}`);
        } catch (error) {
          concurrentWriteFailures += 1;
          console.error(`concurrent writer ${lane}: ${error instanceof Error ? error.message : String(error)}`);
        }
        writeMs.push(performance.now() - startedAt);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENT_WRITERS }, (_, lane) => writer(lane)));

    return {
      backend,
      users,
      concurrentWriteFailures,
      concurrentWriteMaxMs: Math.max(...writeMs),
      seedS: cell.seedS,
      startS: cell.startS,
      rssMb,
      ratio: median(ratios),
      quietP50Ms: median(quiet.map((r) => r.latency.p50)),
      quietP99Ms: median(quiet.map((r) => r.latency.p99)),
      mutationP50Ms: duringMutations.latency.p50,
      mutationP99Ms: duringMutations.latency.p99,
      mutationsDone,
      mutationStreamS: MUTATION_STREAM_S,
      argon2PerUnrelatedMutation,
      fullListingS: full.ms / 1000,
      listingStallMs,
      mutationStallMs,
      slowestTokenRequestDuringListingMs: slowestTokenRequestMs,
      firstPageMs: firstPage.ms,
      tokenCreateP50Ms: median(createMs),
    };
  } finally {
    await session?.close();
    for (const server of cell.all) await server.stop();
  }
}

function formatTable(cells: Cell[]): string {
  const header =
    "| backend | N | start s | RSS MB | cached/baseline | p50/p99 ms quiet | p50/p99 ms at 5 mut/s | argon2 per unrelated mutation | full listing s | max stall ms | slowest token req during listing ms | first page ms | token create p50 ms | 8 writers: refused / slowest ms |";
  const rule = `|${"---|".repeat(14)}`;
  const rows = cells.map((c) =>
    [
      c.backend === "file" ? "files, 2 workers" : "PostgreSQL, 2 nodes",
      c.users.toLocaleString("en-US"),
      c.startS.toFixed(1),
      c.rssMb.toFixed(0),
      c.ratio.toFixed(2),
      `${c.quietP50Ms.toFixed(0)} / ${c.quietP99Ms.toFixed(0)}`,
      `${c.mutationP50Ms.toFixed(0)} / ${c.mutationP99Ms.toFixed(0)} (${c.mutationsDone} in ${c.mutationStreamS} s)`,
      String(c.argon2PerUnrelatedMutation),
      c.fullListingS.toFixed(2),
      c.listingStallMs.toFixed(0),
      c.slowestTokenRequestDuringListingMs.toFixed(0),
      c.firstPageMs.toFixed(0),
      c.tokenCreateP50Ms.toFixed(0),
      `${c.concurrentWriteFailures} / ${c.concurrentWriteMaxMs.toFixed(0)}`,
    ].join(" | "),
  );
  return [header, rule, ...rows.map((row) => `| ${row} |`)].join("\n");
}

async function main(): Promise<void> {
  const cells: Cell[] = [];
  const failures: { backend: Backend; users: number; reason: string }[] = [];
  const startedAt = performance.now();
  for (const backend of BACKENDS) {
    for (const users of SIZES) {
      process.stderr.write(`bench:scale: ${backend}, ${users} users ...\n`);
      try {
        const cell = await measureCell(backend, users);
        process.stderr.write(`  ${JSON.stringify(cell)}\n`);
        cells.push(cell);
      } catch (error) {
        // A size the backend cannot serve is a result too: the table says what failed.
        const reason = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
        process.stderr.write(`  failed: ${reason}\n`);
        failures.push({ backend, users, reason });
      }
    }
  }
  if (BACKENDS.includes("postgres")) await dropBenchSchema();
  agent.destroy();
  console.log(formatTable(cells));
  for (const failure of failures) {
    console.log(
      `| ${failure.backend === "file" ? "files, 2 workers" : "PostgreSQL, 2 nodes"} | ${failure.users.toLocaleString("en-US")} | failed: ${failure.reason} |`,
    );
  }
  console.log(
    `\n${CONNECTIONS} connections over ${ACTIVE_TOKENS} cached tokens, ${DURATION_S} s per run, ratio = median of ${ROUNDS} rounds; ` +
      `RSS: files = primary + 2 workers, PostgreSQL = the load node; total ${((performance.now() - startedAt) / 1000).toFixed(0)} s.`,
  );
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `scale-${new Date().toISOString().replaceAll(":", "-")}.json`);
  writeFileSync(file, `${JSON.stringify({ cells, failures }, null, 2)}\n`);
  console.log(`results: ${file}`);
}

await main();
