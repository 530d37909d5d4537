/**
 * One autocannon measurement over keep-alive connections, with the CPU time the
 * server and this load generator spent on it: the CPU figures say which side
 * limited the number.
 */
import autocannon from "autocannon";
import { readMachineBusyCpuS, readOwnCpuS, readProcessTreeCpuS } from "./process-cpu.js";

export interface LoadOptions {
  url: string;
  headers?: Record<string, string>;
  connections: number;
  warmupS: number;
  durationS: number;
  /** The server's main process; its children (cluster workers) are counted too. */
  serverPid?: number;
  /** autocannon worker threads sharing the connections; 1 runs in this thread. */
  loadThreads?: number;
}

export interface Measurement {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** Server CPU seconds per second of the run (1.0 = one core busy); null off Linux. */
  serverCores: number | null;
  /** Server CPU microseconds per answered request; null off Linux. */
  serverCpuUsPerRequest: number | null;
  /** This process's CPU seconds per second of the run (all its threads): autocannon's cost. */
  clientCores: number;
  /** CPU seconds per second the whole machine spent; what server and client did not use was someone else's. */
  machineCores: number | null;
}

function runOnce(options: LoadOptions, durationS: number): Promise<autocannon.Result> {
  return autocannon({
    url: options.url,
    headers: options.headers ?? {},
    connections: options.connections,
    pipelining: 1,
    duration: durationS,
    ...((options.loadThreads ?? 1) > 1 ? { workers: options.loadThreads } : {}),
  });
}

export async function measureLoad(options: LoadOptions): Promise<Measurement> {
  if (options.warmupS > 0) await runOnce(options, options.warmupS);
  const serverCpuBefore = options.serverPid === undefined ? null : readProcessTreeCpuS(options.serverPid);
  const clientCpuBefore = readOwnCpuS();
  const machineCpuBefore = readMachineBusyCpuS();
  const startedAt = performance.now();
  const result = await runOnce(options, options.durationS);
  const wallS = (performance.now() - startedAt) / 1000;
  const clientCpuS = readOwnCpuS() - clientCpuBefore;
  const machineCpuAfter = readMachineBusyCpuS();
  const serverCpuAfter = options.serverPid === undefined ? null : readProcessTreeCpuS(options.serverPid);
  const serverCpuS = serverCpuBefore === null || serverCpuAfter === null ? null : serverCpuAfter - serverCpuBefore;
  const requests = result.requests.total;
  return {
    rps: requests / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests,
    non2xx: result.non2xx,
    errors: result.errors,
    serverCores: serverCpuS === null ? null : serverCpuS / wallS,
    serverCpuUsPerRequest: serverCpuS === null || requests === 0 ? null : (serverCpuS * 1e6) / requests,
    clientCores: clientCpuS / wallS,
    machineCores: machineCpuBefore === null || machineCpuAfter === null ? null : (machineCpuAfter - machineCpuBefore) / wallS,
  };
}
