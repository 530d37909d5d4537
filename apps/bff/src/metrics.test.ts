import { AggregatorRegistry } from "prom-client";
import { describe, expect, test } from "vitest";
import type { AuthMetricsSnapshot } from "@gatehouse/auth-core";
import type { EventLoopDelayMonitor, EventLoopDelaySnapshot } from "./event-loop-delay.js";
import { ServerMetrics } from "./metrics.js";

const AUTH: AuthMetricsSnapshot = {
  tokenCache: { hits: 41, misses: 3, entries: 2, refreshes: 5 },
  ticketCache: { hits: 7, misses: 1, entries: 1 },
  slowVerifyLatency: { boundsS: [0.05, 0.1], cumulativeCounts: [1, 3, 4], count: 4, sumS: 0.5 },
  hashGate: { running: 2, queued: 5, rejected: 11, rejectedOwner: 3, backlogged: 4, collapsed: 6, started: 9 },
  throttled: 13,
  tokenFailures: 17,
};

function fakeEventLoop(window: EventLoopDelaySnapshot): EventLoopDelayMonitor & { reads: number } {
  const monitor = {
    reads: 0,
    readAndReset() {
      monitor.reads += 1;
      return window;
    },
    stop() {},
  };
  return monitor as unknown as EventLoopDelayMonitor & { reads: number };
}

function sampleLines(text: string): string[] {
  return text.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
}

describe("ServerMetrics", () => {
  test("exposes every auth-core counter under its established name, typed, with its value", async () => {
    const metrics = new ServerMetrics({ readAuth: () => AUTH, eventLoop: null, worker: "1234" });
    const text = await metrics.renderLocal();
    const lines = sampleLines(text);
    for (const line of [
      'gatehouse_worker_info{worker="1234"} 1',
      "gatehouse_token_cache_hits_total 41",
      "gatehouse_token_cache_misses_total 3",
      "gatehouse_token_cache_refreshes_total 5",
      "gatehouse_token_cache_entries 2",
      "gatehouse_ticket_cache_hits_total 7",
      "gatehouse_ticket_cache_misses_total 1",
      "gatehouse_ticket_cache_entries 1",
      "gatehouse_token_auth_failures_total 17",
      "gatehouse_auth_throttled_total 13",
      'gatehouse_slow_verify_seconds_bucket{le="0.05"} 1',
      'gatehouse_slow_verify_seconds_bucket{le="0.1"} 3',
      'gatehouse_slow_verify_seconds_bucket{le="+Inf"} 4',
      "gatehouse_slow_verify_seconds_sum 0.5",
      "gatehouse_slow_verify_seconds_count 4",
      "gatehouse_argon2_gate_running 2",
      "gatehouse_argon2_gate_queued 5",
      "gatehouse_argon2_gate_backlogged 4",
      "gatehouse_argon2_gate_started_total 9",
      "gatehouse_argon2_gate_rejected_total 11",
      "gatehouse_argon2_gate_rejected_owner_total 3",
      "gatehouse_argon2_gate_collapsed_total 6",
    ]) {
      expect(lines).toContain(line);
    }
    expect(text).toContain("# TYPE gatehouse_token_cache_hits_total counter\n");
    expect(text).toContain("# TYPE gatehouse_slow_verify_seconds histogram\n");
    // prom-client's default process metrics are there too.
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
  });

  test("reads the event-loop window once per scrape and labels it with the worker", async () => {
    const monitor = fakeEventLoop({ p50Ms: 0.5, p99Ms: 12, maxMs: 40, meanMs: 1.5, samples: 300 });
    const metrics = new ServerMetrics({ readAuth: () => AUTH, eventLoop: monitor, worker: "7" });
    const lines = sampleLines(await metrics.renderLocal());
    expect(monitor.reads).toBe(1);
    expect(lines).toContain('gatehouse_event_loop_delay_p50_seconds{worker="7"} 0.0005');
    expect(lines).toContain('gatehouse_event_loop_delay_p99_seconds{worker="7"} 0.012');
    expect(lines).toContain('gatehouse_event_loop_delay_max_seconds{worker="7"} 0.04');
    expect(lines).toContain('gatehouse_event_loop_delay_mean_seconds{worker="7"} 0.0015');
    expect(lines).toContain('gatehouse_event_loop_delay_samples{worker="7"} 300');
  });

  test("counts request durations by method, route pattern and status", async () => {
    const metrics = new ServerMetrics({ readAuth: () => AUTH, eventLoop: null, worker: "1" });
    metrics.observeRequest("GET", "/version", 200, 0.0004);
    metrics.observeRequest("GET", "/version", 200, 0.02);
    metrics.observeRequest("GET", "/version", 401, 0.001);
    const lines = sampleLines(await metrics.renderLocal());
    expect(lines).toContain('gatehouse_http_request_duration_seconds_count{method="GET",route="/version",status="200"} 2');
    expect(lines).toContain('gatehouse_http_request_duration_seconds_bucket{le="0.0005",method="GET",route="/version",status="200"} 1');
    expect(lines).toContain('gatehouse_http_request_duration_seconds_count{method="GET",route="/version",status="401"} 1');
  });

  test("two workers' registries aggregate to sums, keeping the per-worker series apart", async () => {
    const workers = ["101", "202"].map((worker, i) => {
      const metrics = new ServerMetrics({
        readAuth: () => ({ ...AUTH, tokenCache: { ...AUTH.tokenCache, hits: 10 * (i + 1) } }),
        eventLoop: fakeEventLoop({ p50Ms: i + 1, p99Ms: 10 * (i + 1), maxMs: 50, meanMs: 1, samples: 100 }),
        worker,
      });
      metrics.observeRequest("GET", "/version", 200, 0.001);
      return metrics;
    });
    const aggregated = AggregatorRegistry.aggregate(await Promise.all(workers.map((w) => w.registry.getMetricsAsJSON())));
    const lines = sampleLines(await aggregated.metrics());
    expect(lines).toContain("gatehouse_token_cache_hits_total 30");
    expect(lines).toContain("gatehouse_slow_verify_seconds_count 8");
    expect(lines).toContain('gatehouse_slow_verify_seconds_bucket{le="+Inf"} 8');
    expect(lines).toContain('gatehouse_http_request_duration_seconds_count{method="GET",route="/version",status="200"} 2');
    expect(lines).toContain('gatehouse_event_loop_delay_p99_seconds{worker="101"} 0.01');
    expect(lines).toContain('gatehouse_event_loop_delay_p99_seconds{worker="202"} 0.02');
    expect(lines.filter((line) => line.startsWith("gatehouse_worker_info"))).toEqual([
      'gatehouse_worker_info{worker="101"} 1',
      'gatehouse_worker_info{worker="202"} 1',
    ]);
  });
});
