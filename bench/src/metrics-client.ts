/**
 * Reads the server's GET /metrics. With several workers a scrape is answered by
 * whichever worker the cluster hands the connection to, so each scrape opens a
 * fresh connection and scraping goes on until every worker has answered once.
 * A scrape also starts the worker's next event-loop delay window.
 */
import { request } from "node:https";

export type MetricSamples = Map<string, number>;

export interface WorkerMetrics {
  pid: string;
  samples: MetricSamples;
}

const WORKER_INFO = /^gatehouse_worker_info\{pid="(\d+)"\} 1$/m;
const SCRAPE_TIMEOUT_MS = 10_000;

function scrapeOnce(baseUrl: string, headers: Record<string, string>): Promise<WorkerMetrics> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL("/metrics", baseUrl),
      // agent: false opens a new connection, so the cluster may pick another worker.
      { method: "GET", headers, rejectUnauthorized: false, agent: false },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          if (res.statusCode !== 200) {
            reject(new Error(`GET /metrics answered ${res.statusCode}: ${text.slice(0, 200)}`));
            return;
          }
          const pid = WORKER_INFO.exec(text)?.[1];
          if (pid === undefined) {
            reject(new Error("GET /metrics named no worker"));
            return;
          }
          resolve({ pid, samples: parseSamples(text) });
        });
      },
    );
    req.setTimeout(SCRAPE_TIMEOUT_MS, () => req.destroy(new Error("GET /metrics timed out")));
    req.on("error", reject);
    req.end();
  });
}

/** Unlabelled samples by name; labelled ones keep their label set in the key. */
export function parseSamples(text: string): MetricSamples {
  const samples: MetricSamples = new Map();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** One scrape of each of `workers` workers (first answer per worker wins), in at most 8 tries per worker. */
export async function scrapeAllWorkers(baseUrl: string, headers: Record<string, string>, workers: number): Promise<WorkerMetrics[]> {
  const seen = new Map<string, WorkerMetrics>();
  for (let attempt = 0; attempt < workers * 8 && seen.size < workers; attempt++) {
    const scraped = await scrapeOnce(baseUrl, headers);
    if (!seen.has(scraped.pid)) seen.set(scraped.pid, scraped);
  }
  return [...seen.values()];
}

export interface EventLoopSummary {
  /** Worst worker's figure for each, in milliseconds. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  workersSeen: number;
}

export function summarizeEventLoop(scrapes: WorkerMetrics[]): EventLoopSummary {
  const worst = (name: string) => Math.max(0, ...scrapes.map((s) => (s.samples.get(name) ?? 0) * 1000));
  return {
    p50Ms: worst("gatehouse_event_loop_delay_p50_seconds"),
    p99Ms: worst("gatehouse_event_loop_delay_p99_seconds"),
    maxMs: worst("gatehouse_event_loop_delay_max_seconds"),
    workersSeen: scrapes.length,
  };
}

/** A counter summed over the workers. */
export function sumSample(scrapes: WorkerMetrics[], name: string): number {
  return scrapes.reduce((total, s) => total + (s.samples.get(name) ?? 0), 0);
}
