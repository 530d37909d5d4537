/**
 * The server's Prometheus metrics, kept by prom-client: auth-core's counters, the
 * argon2 gate, the event-loop delay, request durations by route and status, and
 * prom-client's default process metrics.
 *
 * Every serving process has its own registry. With GATEHOUSE_WORKERS > 1 a scrape
 * (which any worker may receive) is answered by the primary's prom-client
 * AggregatorRegistry, which asks every worker for its registry over the cluster
 * IPC channel and sums them: one scrape is the whole server (cluster-metrics.ts).
 * Where a sum would hide what matters per process, the series carries a `worker`
 * label (the pid) instead, so the aggregate keeps one series per worker: the
 * event-loop delay, and `gatehouse_worker_info`.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { AuthMetricsSnapshot, LatencyHistogramSnapshot } from "@gatehouse/auth-core";
import type { EventLoopDelayMonitor } from "./event-loop-delay.js";

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Upper bounds, in seconds, of the request duration buckets: a cached token answers in well under a millisecond, argon2 in tens. */
export const REQUEST_DURATION_BUCKETS_S: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/** The route label of a request no route matched (static files, the SPA, 404s). */
export const UNMATCHED_ROUTE = "unmatched";

export interface MetricsSources {
  /** auth-core's counters at this moment (AccessControl.snapshotMetrics). */
  readAuth(): AuthMetricsSnapshot;
  /** Null: the event-loop series are left out (tests). */
  eventLoop: EventLoopDelayMonitor | null;
  /** The `worker` label of this process's per-worker series. */
  worker: string;
}

type RequestLabel = "method" | "route" | "status";
type HistogramValues = Awaited<ReturnType<Histogram["get"]>>;

const MS_PER_S = 1000;

/**
 * A histogram whose buckets live elsewhere (auth-core keeps its own, cheaper on the
 * hot path than a labelled prom-client histogram); reported in prom-client's shape
 * so that aggregation sums it like any other.
 */
class SnapshotHistogram extends Histogram {
  private readonly readSnapshot: () => LatencyHistogramSnapshot;
  private readonly metricName: string;
  private readonly helpText: string;

  constructor(options: { name: string; help: string; registry: Registry; read: () => LatencyHistogramSnapshot }) {
    super({ name: options.name, help: options.help, registers: [options.registry] });
    this.readSnapshot = options.read;
    this.metricName = options.name;
    this.helpText = options.help;
  }

  // The registry renders text from getForPromString (untyped in prom-client's
  // declarations) and JSON, which cluster aggregation uses, from get.
  async getForPromString(): Promise<HistogramValues> {
    return this.get();
  }

  override async get(): Promise<HistogramValues> {
    const snapshot = this.readSnapshot();
    const name = this.metricName;
    const values: HistogramValues["values"] = snapshot.cumulativeCounts.map((count, i) => {
      const bound = snapshot.boundsS[i];
      return { labels: { le: bound === undefined ? "+Inf" : bound }, value: count, metricName: `${name}_bucket` };
    });
    values.push(
      { labels: {}, value: snapshot.sumS, metricName: `${name}_sum` },
      { labels: {}, value: snapshot.count, metricName: `${name}_count` },
    );
    // prom-client's declared MetricType is an enum its JavaScript does not export; the value is the plain string.
    const type = "histogram" as unknown as HistogramValues["type"];
    return Promise.resolve({ name, help: this.helpText, type, values, aggregator: "sum", collect: () => undefined });
  }
}

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requestDuration: Histogram<RequestLabel>;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    // A snapshot is a handful of field reads; each series takes its own.
    const readAuth = () => sources.readAuth();
    const counter = (name: string, help: string, read: (a: AuthMetricsSnapshot) => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read(readAuth()));
        },
      });
    const gauge = (name: string, help: string, read: (a: AuthMetricsSnapshot) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read(readAuth()));
        },
      });

    new Gauge({
      name: "gatehouse_worker_info",
      help: "One series per serving process in this scrape, labelled with its pid.",
      labelNames: ["worker"],
      registers,
      collect() {
        this.set({ worker: sources.worker }, 1);
      },
    });
    counter("gatehouse_token_cache_hits_total", "Token requests answered from the verified-secret cache.", (a) => a.tokenCache.hits);
    counter("gatehouse_token_cache_misses_total", "Token requests that needed the slow hash.", (a) => a.tokenCache.misses);
    counter(
      "gatehouse_token_cache_refreshes_total",
      "Cached token secrets verified again in the background before their TTL ran out.",
      (a) => a.tokenCache.refreshes,
    );
    gauge("gatehouse_token_cache_entries", "Verified secrets cached now.", (a) => a.tokenCache.entries);
    counter("gatehouse_ticket_cache_hits_total", "Ticket checks answered from the verified-ticket cache.", (a) => a.ticketCache.hits);
    counter("gatehouse_ticket_cache_misses_total", "Ticket checks that verified a signature.", (a) => a.ticketCache.misses);
    gauge("gatehouse_ticket_cache_entries", "Verified tickets cached now.", (a) => a.ticketCache.entries);
    counter(
      "gatehouse_token_auth_failures_total",
      "Token requests refused (malformed, unknown, inactive or wrong secret).",
      (a) => a.tokenFailures,
    );
    counter(
      "gatehouse_auth_throttled_total",
      "Authentications refused by the per-source or per-identity failure throttle.",
      (a) => a.throttled,
    );
    new SnapshotHistogram({
      name: "gatehouse_slow_verify_seconds",
      help: "Token and password checks through the argon2 gate, arrival to answer.",
      registry: this.registry,
      read: () => readAuth().slowVerifyLatency,
    });
    gauge("gatehouse_argon2_gate_running", "Argon2 verifications running now.", (a) => a.hashGate.running);
    gauge("gatehouse_argon2_gate_queued", "Argon2 verifications waiting for a slot now.", (a) => a.hashGate.queued);
    gauge(
      "gatehouse_argon2_gate_backlogged",
      "Hash tasks of an acting user waiting outside the gate for one of that user's own slots.",
      (a) => a.hashGate.backlogged,
    );
    counter("gatehouse_argon2_gate_started_total", "Argon2 verifications that got a slot.", (a) => a.hashGate.started);
    counter(
      "gatehouse_argon2_gate_rejected_total",
      "Verifications refused with 429 because the gate's queue was full.",
      (a) => a.hashGate.rejected,
    );
    counter(
      "gatehouse_argon2_gate_rejected_owner_total",
      "Hash tasks refused with 429 because their client address or acting user already had its share of the gate (and a full backlog).",
      (a) => a.hashGate.rejectedOwner,
    );
    counter("gatehouse_argon2_gate_collapsed_total", "Verifications that joined an identical one in flight.", (a) => a.hashGate.collapsed);

    if (sources.eventLoop !== null) this.registerEventLoopDelay(sources.eventLoop, sources.worker);

    this.requestDuration = new Histogram({
      name: "gatehouse_http_request_duration_seconds",
      help: "Requests from arrival to the last byte handed to the socket, by method, route pattern and status.",
      labelNames: ["method", "route", "status"],
      buckets: [...REQUEST_DURATION_BUCKETS_S],
      registers,
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * One window per scrape (EventLoopDelayMonitor.readAndReset), per worker: the
   * slowest worker is the one that matters, and a sum or mean of percentiles is
   * meaningless.
   */
  private registerEventLoopDelay(monitor: EventLoopDelayMonitor, worker: string): void {
    const registers = [this.registry];
    const labelNames = ["worker"];
    const labels = { worker };
    const help = (what: string) => `Event-loop delay since the previous scrape, ${what}, per worker.`;
    // prom-client collects metrics in registration order, so the first one reads the
    // window (which resets it) and fills the other four before they are collected.
    new Gauge({
      name: "gatehouse_event_loop_delay_p50_seconds",
      help: help("median"),
      labelNames,
      registers,
      collect() {
        const window = monitor.readAndReset();
        this.set(labels, window.p50Ms / MS_PER_S);
        p99.set(labels, window.p99Ms / MS_PER_S);
        max.set(labels, window.maxMs / MS_PER_S);
        mean.set(labels, window.meanMs / MS_PER_S);
        samples.set(labels, window.samples);
      },
    });
    const p99 = new Gauge({ name: "gatehouse_event_loop_delay_p99_seconds", help: help("99th percentile"), labelNames, registers });
    const max = new Gauge({ name: "gatehouse_event_loop_delay_max_seconds", help: help("maximum"), labelNames, registers });
    const mean = new Gauge({ name: "gatehouse_event_loop_delay_mean_seconds", help: help("mean"), labelNames, registers });
    const samples = new Gauge({ name: "gatehouse_event_loop_delay_samples", help: help("number of samples"), labelNames, registers });
  }

  /** Counts one finished request; `route` is the matched route pattern or UNMATCHED_ROUTE. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requestDuration.observe({ method, route, status: String(status) }, seconds);
  }

  /** This process's registry in the text format. */
  async renderLocal(): Promise<string> {
    return this.registry.metrics();
  }
}
