/**
 * `pnpm bench:wrk`: the cached-token and cookie ratios measured from outside Node with
 * wrk (issue 10's cross-check of `pnpm bench`, which uses autocannon). One server
 * worker, one wrk thread, 32 connections, 4 s rounds alternating the three routes;
 * prints each round and the median ratios. Needs `wrk` on the PATH (Debian: apt-get
 * install wrk). Environment: BENCH_WRK_ROUNDS (default 4), BENCH_WRK_DURATION_S (4).
 */
import { execFileSync } from "node:child_process";
import { openAdminSession } from "./admin-session.js";
import { startServer } from "./server-process.js";

const ROUNDS = Number(process.env.BENCH_WRK_ROUNDS ?? 4);
const DURATION_S = Number(process.env.BENCH_WRK_DURATION_S ?? 4);
const ADMIN_PASSWORD = "bench-admin-password-1";

function runWrk(url: string, header: string | null): number {
  const args = ["-t1", "-c32", `-d${DURATION_S}s`, ...(header === null ? [] : ["-H", header]), url];
  const output = execFileSync("wrk", args, { encoding: "utf8" });
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output)?.[1];
  if (rps === undefined) throw new Error(`wrk printed no Requests/sec:\n${output}`);
  if (/Non-2xx or 3xx responses/.test(output)) throw new Error(`wrk saw failed requests:\n${output}`);
  return Number(rps);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const server = await startServer({ workers: 1, adminPassword: ADMIN_PASSWORD });
try {
  const session = await openAdminSession(server, "admin@pbs", ADMIN_PASSWORD);
  const created = await session.api.createToken("admin@pbs", "wrk");
  await session.close();
  const token = { tokenid: created.tokenid, secret: created.value };
  const tokenHeader = `Authorization: PBSAPIToken=${token.tokenid}:${token.secret}`;
  const cookieHeader = `Cookie: __Host-PBSAuthCookie=${session.ticket}`;
  const baselineUrl = `${server.baseUrl}/api2/json/access/domains`;
  const versionUrl = `${server.baseUrl}/api2/json/version`;
  // Warm the caches and the JIT.
  runWrk(versionUrl, tokenHeader);
  runWrk(versionUrl, cookieHeader);
  const tokenRatios: number[] = [];
  const cookieRatios: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const baseline = runWrk(baselineUrl, null);
    const cached = runWrk(versionUrl, tokenHeader);
    const cookie = runWrk(versionUrl, cookieHeader);
    tokenRatios.push(cached / baseline);
    cookieRatios.push(cookie / baseline);
    console.log(
      `round ${round}: baseline ${baseline.toFixed(0)} req/s, cached token ${cached.toFixed(0)} (${(cached / baseline).toFixed(2)}), cookie ${cookie.toFixed(0)} (${(cookie / baseline).toFixed(2)})`,
    );
  }
  console.log(
    `wrk median ratios over ${ROUNDS} rounds: cached token / baseline ${median(tokenRatios).toFixed(2)}, cookie / baseline ${median(cookieRatios).toFixed(2)}`,
  );
} finally {
  await server.stop();
}
