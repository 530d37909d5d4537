/**
 * `pnpm bench`: drives the real built server over HTTPS with autocannon and prints,
 * for 1 and 2 workers, requests/s and latency of each scenario and its ratio to the
 * unauthenticated baseline. Writes the results to bench/results/bench-<time>.json.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createToken, login } from "./api-client.js";
import { measureLoad, type Measurement } from "./load.js";
import { startServer } from "./server-process.js";

const ADMIN_PASSWORD = "bench-admin-password-1";
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 1);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 4);
const CONNECTIONS = 32;
// Uncached verification is argon2-bound; a few connections keep the gate's queue
// from overflowing, so the number measures hashing, not 429s.
const UNCACHED_CONNECTIONS = 4;
const RESULTS_DIR = resolve(import.meta.dirname, "../results");

interface ScenarioRow extends Measurement {
  scenario: string;
  ratio: number | null;
}

interface WorkerTable {
  workers: number;
  rows: ScenarioRow[];
  ratios: Record<string, number>;
}

function runFlood(url: string, tokenid: string, seconds: number): Promise<string> {
  const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "flood.ts"), url, tokenid, String(seconds)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolveFlood, reject) => {
    child.once("exit", (code) => (code === 0 ? resolveFlood(output.trim()) : reject(new Error(`flood exited ${code}`))));
  });
}

async function benchWorkers(workers: number): Promise<WorkerTable> {
  const rows: ScenarioRow[] = [];
  const server = await startServer({ workers, adminPassword: ADMIN_PASSWORD });
  try {
    const session = await login(server.baseUrl, "admin@pbs", ADMIN_PASSWORD);
    const token = await createToken(server.baseUrl, session, "admin@pbs", "bench");
    const tokenHeader = { authorization: `PBSAPIToken=${token.tokenid}:${token.secret}` };
    const cookieHeader = { cookie: `__Host-PBSAuthCookie=${session.ticket}` };
    const load = { connections: CONNECTIONS, warmupS: WARMUP_S, durationS: DURATION_S };

    const baseline = await measureLoad({ ...load, url: `${server.baseUrl}/api2/json/access/domains` });
    rows.push({ scenario: "baseline: GET /access/domains, no auth", ...baseline, ratio: 1 });
    const versionUrl = `${server.baseUrl}/api2/json/version`;
    const cachedToken = await measureLoad({ ...load, url: versionUrl, headers: tokenHeader });
    rows.push({ scenario: "GET /version, cached API token", ...cachedToken, ratio: cachedToken.rps / baseline.rps });
    const cookie = await measureLoad({ ...load, url: versionUrl, headers: cookieHeader });
    rows.push({ scenario: "GET /version, cookie ticket", ...cookie, ratio: cookie.rps / baseline.rps });

    const floodSeconds = WARMUP_S + DURATION_S + 1;
    const flood = runFlood(versionUrl, token.tokenid, floodSeconds);
    const underFlood = await measureLoad({ ...load, url: versionUrl, headers: tokenHeader });
    const floodSummary = await flood;
    rows.push({ scenario: "GET /version, cached token during a wrong-secret flood", ...underFlood, ratio: underFlood.rps / baseline.rps });
    console.log(`  flood client (${workers} worker(s)): ${floodSummary}`);

    const uncachedServer = await startServer({
      workers,
      adminPassword: ADMIN_PASSWORD,
      dataDir: server.dataDir,
      extraEnv: { GATEHOUSE_TOKEN_CACHE_TTL_S: "0" },
    });
    let uncached: Measurement;
    try {
      uncached = await measureLoad({
        ...load,
        connections: UNCACHED_CONNECTIONS,
        url: `${uncachedServer.baseUrl}/api2/json/version`,
        headers: tokenHeader,
      });
    } finally {
      await uncachedServer.stop();
    }
    rows.push({ scenario: "GET /version, token cache disabled (argon2 per request)", ...uncached, ratio: uncached.rps / baseline.rps });

    return {
      workers,
      rows,
      ratios: {
        "cached token / baseline": cachedToken.rps / baseline.rps,
        "cookie ticket / baseline": cookie.rps / baseline.rps,
        "cached token under flood / without": underFlood.rps / cachedToken.rps,
        "cached / uncached token": cachedToken.rps / uncached.rps,
      },
    };
  } finally {
    await server.stop();
  }
}

function formatTable(table: WorkerTable): string {
  const header = ["scenario", "req/s", "p50 ms", "p99 ms", "non-2xx", "errors", "ratio"];
  const lines = table.rows.map((row) => [
    row.scenario,
    row.rps.toFixed(0),
    row.p50Ms.toFixed(1),
    row.p99Ms.toFixed(1),
    String(row.non2xx),
    String(row.errors),
    row.ratio === null ? "" : row.ratio.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]?.length ?? 0)));
  const render = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  const targets: Record<string, number> = {
    "cached token / baseline": 0.9,
    "cookie ticket / baseline": 0.9,
    "cached token under flood / without": 0.5,
  };
  const ratioLines = Object.entries(table.ratios).map(([name, value]) => {
    const target = targets[name];
    const verdict = target === undefined ? "(reported)" : value >= target ? `>= ${target} ok` : `< ${target} MISSED`;
    return `  ${name.padEnd(36)} ${value.toFixed(2)}  ${verdict}`;
  });
  return [`workers: ${table.workers}`, render(header), ...lines.map(render), "ratios:", ...ratioLines].join("\n");
}

const startedAt = Date.now();
const tables: WorkerTable[] = [];
for (const workers of [1, 2]) {
  console.log(`benchmarking with ${workers} worker(s)...`);
  const table = await benchWorkers(workers);
  tables.push(table);
  console.log(`\n${formatTable(table)}\n`);
}
mkdirSync(RESULTS_DIR, { recursive: true });
const resultsFile = join(RESULTS_DIR, `bench-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
writeFileSync(resultsFile, JSON.stringify({ startedAt: new Date(startedAt).toISOString(), warmupS: WARMUP_S, durationS: DURATION_S, tables }, null, 2));
console.log(`results written to ${resultsFile} (${((Date.now() - startedAt) / 1000).toFixed(0)} s)`);
