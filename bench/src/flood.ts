/**
 * The attacker of the flood scenario, in its own process so it does not share the
 * measuring client's event loop. It sends, round robin, the three kinds of wrong
 * secret that reach the server's checks:
 *  - a wrong secret for the real token id (the per-token throttle soon answers 429);
 *  - a random secret for a well-formed token id that does not exist (refused
 *    without a hash);
 *  - a wrong password for a random `pbs` user (one argon2 run each: an unknown
 *    user costs the same hash as a known one, so timing tells nothing).
 * It plays a botnet: each connection comes from its own loopback address
 * (127.1.x.y) and is retired before the server's per-source throttle (50 failures
 * a minute) would refuse it, so that nothing but the argon2 gate stands between
 * the flood and the hash. Every request gets its answer before the next is sent on
 * that connection; `concurrency` connections run at once.
 *
 * Args: <baseUrl> <tokenid> <concurrency>. Commands on stdin, one a line: `start`,
 * `stop` (prints one JSON line with what was sent since `start`), `exit`.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { createInterface } from "node:readline";

const [baseUrl, tokenid, concurrencyArg, caCertPath] = process.argv.slice(2);
if (!baseUrl || !tokenid || !concurrencyArg || !caCertPath) {
  console.error("usage: flood.ts <baseUrl> <tokenid> <concurrency> <server-cert.pem>");
  process.exit(2);
}
// The server's own self-signed certificate is the one CA the flood trusts.
const serverCa = readFileSync(caCertPath, "utf8");
const concurrency = Number(concurrencyArg);
/** Below the server's 50 failures per source and minute: no source is ever throttled. */
const REQUESTS_PER_SOURCE = 40;
const REQUEST_TIMEOUT_MS = 10_000;
const versionUrl = new URL("/api2/json/version", baseUrl);
const loginUrl = new URL("/api2/json/access/ticket", baseUrl);

/** What `stop` prints. */
export interface FloodReport {
  requests: number;
  errors: number;
  statusCodes: Record<string, number>;
  sources: number;
}

let sourceCount = 0;

function nextSourceAddress(): string {
  sourceCount++;
  const n = sourceCount;
  return `127.${1 + ((n >> 16) & 0x7f)}.${(n >> 8) & 0xff}.${n & 0xff}`;
}

interface Source {
  agent: Agent;
  used: number;
}

function openSource(): Source {
  return { agent: new Agent({ keepAlive: true, maxSockets: 1, localAddress: nextSourceAddress(), ca: serverCa }), used: 0 };
}

let sent = 0;
let report: FloodReport = { requests: 0, errors: 0, statusCodes: {}, sources: 0 };

function sendOne(agent: Agent): Promise<void> {
  const kind = sent++ % 3;
  let url = versionUrl;
  let method = "GET";
  let body: string | undefined;
  const headers: Record<string, string> = {};
  if (kind === 0) {
    headers.authorization = `PBSAPIToken=${tokenid}:${randomUUID()}`;
  } else if (kind === 1) {
    headers.authorization = `PBSAPIToken=flood${sent % 997}@pbs!t${randomUUID().slice(0, 8)}:${randomUUID()}`;
  } else {
    url = loginUrl;
    method = "POST";
    body = `username=flood${sent}%40pbs&password=${randomUUID()}`;
    headers["content-type"] = "application/x-www-form-urlencoded";
  }
  return new Promise((resolve) => {
    const req = request(url, { method, headers, agent }, (res) => {
      const status = String(res.statusCode ?? 0);
      report.statusCodes[status] = (report.statusCodes[status] ?? 0) + 1;
      report.requests++;
      res.resume();
      res.on("end", resolve);
      res.on("error", () => resolve());
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error("timeout")));
    req.on("error", () => {
      report.errors++;
      resolve();
    });
    req.end(body);
  });
}

let running = false;
let loops: Promise<void>[] = [];
let sourceCountAtStart = 0;

async function runLoop(): Promise<void> {
  let source = openSource();
  while (running) {
    if (source.used >= REQUESTS_PER_SOURCE) {
      source.agent.destroy();
      source = openSource();
    }
    source.used++;
    await sendOne(source.agent);
  }
  source.agent.destroy();
}

function start(): void {
  if (running) return;
  running = true;
  report = { requests: 0, errors: 0, statusCodes: {}, sources: 0 };
  sourceCountAtStart = sourceCount;
  loops = Array.from({ length: concurrency }, () => runLoop());
}

async function stop(): Promise<void> {
  running = false;
  await Promise.all(loops);
  report.sources = sourceCount - sourceCountAtStart;
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const command = line.trim();
  if (command === "start") start();
  else if (command === "stop") void stop();
  else if (command === "exit") {
    running = false;
    void Promise.all(loops).then(() => process.exit(0));
  }
});
lines.on("close", () => process.exit(0));
