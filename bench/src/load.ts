/** One autocannon measurement: a warm-up, then a timed run over keep-alive connections. */
import autocannon from "autocannon";

export interface LoadOptions {
  url: string;
  headers?: Record<string, string>;
  connections: number;
  warmupS: number;
  durationS: number;
}

export interface Measurement {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

function runOnce(options: LoadOptions, durationS: number): Promise<autocannon.Result> {
  return autocannon({
    url: options.url,
    headers: options.headers ?? {},
    connections: options.connections,
    pipelining: 1,
    duration: durationS,
  });
}

export async function measureLoad(options: LoadOptions): Promise<Measurement> {
  if (options.warmupS > 0) await runOnce(options, options.warmupS);
  const result = await runOnce(options, options.durationS);
  return {
    rps: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}
