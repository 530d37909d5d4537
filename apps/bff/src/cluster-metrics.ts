/**
 * One scrape of GET /metrics that adds up over node:cluster workers. The worker
 * that receives the scrape asks the primary; the primary asks every worker that
 * is serving for its registry (prom-client's JSON form) over the cluster IPC
 * channel and sums them with prom-client's AggregatorRegistry.aggregate, which
 * applies each metric's own aggregator (counters and histograms add up per label
 * set; per-worker series keep their `worker` label apart).
 *
 * The primary asks only workers that have announced they serve, and leaves out a
 * worker that does not answer within the deadline, so a scrape during a rolling
 * restart is answered (`gatehouse_worker_info` says which workers are in it).
 */
import type { Worker } from "node:cluster";
import { AggregatorRegistry, type Registry } from "prom-client";

const SCRAPE_REQUEST = "gatehouse:metrics-scrape";
const SCRAPE_REPLY = "gatehouse:metrics-scraped";
const COLLECT_REQUEST = "gatehouse:metrics-collect";
const COLLECT_REPLY = "gatehouse:metrics-collected";

/** A worker's answer is left out after this; the scrape itself waits a little longer. */
export const COLLECT_TIMEOUT_MS = 3_000;
const SCRAPE_TIMEOUT_MS = COLLECT_TIMEOUT_MS + 2_000;

type MetricsJson = Awaited<ReturnType<Registry["getMetricsAsJSON"]>>;

interface IdMessage {
  type: string;
  id: number;
}

function isMessage(message: unknown, type: string): message is IdMessage & Record<string, unknown> {
  return (
    typeof message === "object" &&
    message !== null &&
    (message as { type?: unknown }).type === type &&
    typeof (message as { id?: unknown }).id === "number"
  );
}

/** The slice of `process` a worker talks to the primary through. */
export interface PrimaryChannel {
  send?: (message: unknown) => boolean;
  on(event: "message", listener: (message: unknown) => void): unknown;
}

/**
 * Worker side: answers the primary's collect requests from `registry`, and
 * returns the function that scrapes the whole cluster through the primary.
 */
export function joinClusterMetrics(registry: Registry, channel: PrimaryChannel = process): () => Promise<string> {
  const send = channel.send?.bind(channel);
  if (send === undefined) throw new Error("joinClusterMetrics: this process has no IPC channel to a cluster primary");
  const pending = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  let nextId = 0;
  channel.on("message", (message) => {
    if (isMessage(message, COLLECT_REQUEST)) {
      void registry.getMetricsAsJSON().then(
        (metrics) => send({ type: COLLECT_REPLY, id: message.id, metrics }),
        (error: unknown) => send({ type: COLLECT_REPLY, id: message.id, error: String(error) }),
      );
    } else if (isMessage(message, SCRAPE_REPLY)) {
      const waiter = pending.get(message.id);
      if (waiter === undefined) return;
      pending.delete(message.id);
      clearTimeout(waiter.timer);
      if (typeof message.text === "string") waiter.resolve(message.text);
      else waiter.reject(new Error(`the primary could not aggregate the metrics: ${String(message.error)}`));
    }
  });
  return function scrapeCluster() {
    const id = nextId++;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`the primary did not answer a metrics scrape within ${SCRAPE_TIMEOUT_MS} ms`));
      }, SCRAPE_TIMEOUT_MS);
      pending.set(id, { resolve, reject, timer });
      send({ type: SCRAPE_REQUEST, id });
    });
  };
}

export interface ClusterMetricsServer {
  /** Feed every message a worker sends; the ones that are not about metrics are ignored. */
  onWorkerMessage(worker: Worker, message: unknown): void;
  /** A worker that exits never answers: stop waiting for it. */
  onWorkerExit(worker: Worker): void;
}

/**
 * Primary side. `listServingWorkers` names the workers a scrape should include:
 * the ones that finished starting and are not being retired.
 */
export function serveClusterMetrics(listServingWorkers: () => Worker[], collectTimeoutMs = COLLECT_TIMEOUT_MS): ClusterMetricsServer {
  interface Collection {
    waitingFor: Set<number>;
    results: MetricsJson[];
    finish: () => void;
  }
  const collections = new Map<number, Collection>();
  let nextId = 0;

  const collectAll = (): Promise<MetricsJson[]> =>
    new Promise((resolve) => {
      const id = nextId++;
      const workers = listServingWorkers().filter((worker) => worker.isConnected());
      const collection: Collection = {
        waitingFor: new Set(workers.map((worker) => worker.id)),
        results: [],
        finish: () => {
          clearTimeout(timer);
          collections.delete(id);
          resolve(collection.results);
        },
      };
      const timer = setTimeout(collection.finish, collectTimeoutMs);
      collections.set(id, collection);
      for (const worker of workers) worker.send({ type: COLLECT_REQUEST, id });
      if (collection.waitingFor.size === 0) collection.finish();
    });

  const answered = (collection: Collection, workerId: number) => {
    collection.waitingFor.delete(workerId);
    if (collection.waitingFor.size === 0) collection.finish();
  };

  return {
    onWorkerMessage(worker, message) {
      if (isMessage(message, COLLECT_REPLY)) {
        const collection = collections.get(message.id);
        if (collection === undefined || !collection.waitingFor.has(worker.id)) return;
        if (Array.isArray(message.metrics)) collection.results.push(message.metrics as MetricsJson);
        answered(collection, worker.id);
      } else if (isMessage(message, SCRAPE_REQUEST)) {
        const reply = (body: Record<string, unknown>) => {
          if (worker.isConnected()) worker.send({ type: SCRAPE_REPLY, id: message.id, ...body });
        };
        collectAll()
          .then((results) => AggregatorRegistry.aggregate(results).metrics())
          .then(
            (text) => reply({ text }),
            (error: unknown) => reply({ error: String(error) }),
          );
      }
    },
    onWorkerExit(worker) {
      for (const collection of collections.values()) {
        if (collection.waitingFor.has(worker.id)) answered(collection, worker.id);
      }
    },
  };
}
