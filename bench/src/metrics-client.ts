/**
 * Reads the server's GET /metrics. One scrape covers every worker: the server
 * sums counters over its workers and keeps the event-loop delay per worker (a
 * `worker` label), so the worst worker's figures can be picked out. A scrape also
 * starts each worker's next event-loop delay window.
 */
import { request } from "node:https";

export type MetricSamples = Map<string, number>;

export interface ServerScrape {
  /** The `worker` label of every worker in this scrape. */
  workers: string[];
  /** Every sample by its series, labels included as written (`name{a="b"}`). */
  samples: MetricSamples;
}

const WORKER_INFO = /^gatehouse_worker_info\{worker="([^"]+)"\} 1$/gm;
const SCRAPE_TIMEOUT_MS = 10_000;

/** `server.caCertPem` is the server's own certificate: the one CA the scrape trusts. */
export function scrapeServer(server: { baseUrl: string; caCertPem: string }, headers: Record<string, string>): Promise<ServerScrape> {
  return new Promise((resolve, reject) => {
    const req = request(new URL("/metrics", server.baseUrl), { method: "GET", headers, ca: server.caCertPem, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => {
        if (res.statusCode !== 200) {
          reject(new Error(`GET /metrics answered ${res.statusCode}: ${text.slice(0, 200)}`));
          return;
        }
        const workers = [...text.matchAll(WORKER_INFO)].map((match) => match[1] ?? "");
        if (workers.length === 0) {
          reject(new Error("GET /metrics named no worker"));
          return;
        }
        resolve({ workers, samples: parseSamples(text) });
      });
    });
    req.setTimeout(SCRAPE_TIMEOUT_MS, () => req.destroy(new Error("GET /metrics timed out")));
    req.on("error", reject);
    req.end();
  });
}

/** Samples by series; labelled ones keep their label set in the key. */
export function parseSamples(text: string): MetricSamples {
  const samples: MetricSamples = new Map();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

export interface EventLoopSummary {
  /** Worst worker's figure for each, in milliseconds. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  workersSeen: number;
}

export function summarizeEventLoop(scrape: ServerScrape): EventLoopSummary {
  const worst = (name: string) =>
    Math.max(0, ...scrape.workers.map((worker) => (scrape.samples.get(`${name}{worker="${worker}"}`) ?? 0) * 1000));
  return {
    p50Ms: worst("gatehouse_event_loop_delay_p50_seconds"),
    p99Ms: worst("gatehouse_event_loop_delay_p99_seconds"),
    maxMs: worst("gatehouse_event_loop_delay_max_seconds"),
    workersSeen: scrape.workers.length,
  };
}

/** An unlabelled series, already summed over the workers by the server. */
export function readSample(scrape: ServerScrape, name: string): number {
  return scrape.samples.get(name) ?? 0;
}

export function sameWorkers(a: ServerScrape, b: ServerScrape): boolean {
  return a.workers.length === b.workers.length && a.workers.every((worker) => b.workers.includes(worker));
}
