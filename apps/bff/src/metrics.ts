/**
 * The Prometheus text exposition (format 0.0.4) of auth-core's counters and the
 * event-loop delay. With GATEHOUSE_WORKERS > 1 every worker keeps its own counters
 * and a scrape is answered by whichever worker takes the connection; the
 * `gatehouse_worker_info` series names it, so per-worker series can be told apart.
 */
import type { AuthMetricsSnapshot, LatencyHistogramSnapshot } from "@gatehouse/auth-core";
import type { EventLoopDelaySnapshot } from "./event-loop-delay.js";

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export interface MetricsInput {
  auth: AuthMetricsSnapshot;
  /** Null when the server runs without an event-loop monitor (tests). */
  eventLoop: EventLoopDelaySnapshot | null;
  pid: number;
}

type MetricType = "counter" | "gauge" | "histogram";

const MS_PER_S = 1000;

export function formatMetrics(input: MetricsInput): string {
  const { auth, eventLoop } = input;
  const lines: string[] = [];
  const metric = (name: string, type: MetricType, help: string, samples: [string, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) lines.push(`${name}${labels} ${formatValue(value)}`);
  };
  const single = (name: string, type: MetricType, help: string, value: number) => metric(name, type, help, [["", value]]);

  metric("gatehouse_worker_info", "gauge", "The worker process that answered this scrape.", [[`{pid="${input.pid}"}`, 1]]);
  single("gatehouse_token_cache_hits_total", "counter", "Token requests answered from the verified-secret cache.", auth.tokenCache.hits);
  single("gatehouse_token_cache_misses_total", "counter", "Token requests that needed the slow hash.", auth.tokenCache.misses);
  single(
    "gatehouse_token_cache_refreshes_total",
    "counter",
    "Cached token secrets verified again in the background before their TTL ran out.",
    auth.tokenCache.refreshes,
  );
  single("gatehouse_token_cache_entries", "gauge", "Verified secrets cached now.", auth.tokenCache.entries);
  single("gatehouse_ticket_cache_hits_total", "counter", "Ticket checks answered from the verified-ticket cache.", auth.ticketCache.hits);
  single("gatehouse_ticket_cache_misses_total", "counter", "Ticket checks that verified a signature.", auth.ticketCache.misses);
  single("gatehouse_ticket_cache_entries", "gauge", "Verified tickets cached now.", auth.ticketCache.entries);
  single("gatehouse_token_auth_failures_total", "counter", "Token requests refused (malformed, unknown, inactive or wrong secret).", auth.tokenFailures);
  single("gatehouse_auth_throttled_total", "counter", "Authentications refused by the per-source or per-identity failure throttle.", auth.throttled);
  pushHistogram(lines, "gatehouse_slow_verify_seconds", "Token and password checks through the argon2 gate, arrival to answer.", auth.slowVerifyLatency);
  single("gatehouse_argon2_gate_running", "gauge", "Argon2 verifications running now.", auth.hashGate.running);
  single("gatehouse_argon2_gate_queued", "gauge", "Argon2 verifications waiting for a slot now.", auth.hashGate.queued);
  single("gatehouse_argon2_gate_started_total", "counter", "Argon2 verifications that got a slot.", auth.hashGate.started);
  single("gatehouse_argon2_gate_rejected_total", "counter", "Verifications refused with 429 because the gate's queue was full.", auth.hashGate.rejected);
  single("gatehouse_argon2_gate_collapsed_total", "counter", "Verifications that joined an identical one in flight.", auth.hashGate.collapsed);
  if (eventLoop !== null) {
    const help = (what: string) => `Event-loop delay since the previous scrape, ${what}.`;
    single("gatehouse_event_loop_delay_p50_seconds", "gauge", help("median"), eventLoop.p50Ms / MS_PER_S);
    single("gatehouse_event_loop_delay_p99_seconds", "gauge", help("99th percentile"), eventLoop.p99Ms / MS_PER_S);
    single("gatehouse_event_loop_delay_max_seconds", "gauge", help("maximum"), eventLoop.maxMs / MS_PER_S);
    single("gatehouse_event_loop_delay_mean_seconds", "gauge", help("mean"), eventLoop.meanMs / MS_PER_S);
    single("gatehouse_event_loop_delay_samples", "gauge", help("number of samples"), eventLoop.samples);
  }
  return `${lines.join("\n")}\n`;
}

function pushHistogram(lines: string[], name: string, help: string, histogram: LatencyHistogramSnapshot): void {
  lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
  histogram.cumulativeCounts.forEach((count, i) => {
    const bound = histogram.boundsS[i];
    lines.push(`${name}_bucket{le="${bound === undefined ? "+Inf" : formatValue(bound)}"} ${count}`);
  });
  lines.push(`${name}_sum ${formatValue(histogram.sumS)}`, `${name}_count ${histogram.count}`);
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  return String(value);
}
