import { describe, expect, test } from "vitest";
import type { AuthMetricsSnapshot } from "@gatehouse/auth-core";
import { formatMetrics } from "./metrics.js";

const AUTH: AuthMetricsSnapshot = {
  tokenCache: { hits: 41, misses: 3, entries: 2, refreshes: 5 },
  ticketCache: { hits: 7, misses: 1, entries: 1 },
  slowVerifyLatency: { boundsS: [0.05, 0.1], cumulativeCounts: [1, 3, 4], count: 4, sumS: 0.5 },
  hashGate: { running: 2, queued: 5, rejected: 11, collapsed: 6, started: 9 },
  throttled: 13,
  tokenFailures: 17,
};

function sampleLines(text: string): string[] {
  return text.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
}

describe("formatMetrics", () => {
  test("writes every counter as a typed Prometheus series with its value", () => {
    const text = formatMetrics({ auth: AUTH, eventLoop: null, pid: 1234 });
    expect(sampleLines(text)).toEqual([
      'gatehouse_worker_info{pid="1234"} 1',
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
      "gatehouse_argon2_gate_started_total 9",
      "gatehouse_argon2_gate_rejected_total 11",
      "gatehouse_argon2_gate_collapsed_total 6",
    ]);
    expect(text).toContain("# TYPE gatehouse_token_cache_hits_total counter\n");
    expect(text).toContain("# TYPE gatehouse_slow_verify_seconds histogram\n");
    expect(text.endsWith("\n")).toBe(true);
  });

  test("adds the event-loop delay in seconds when a monitor is present", () => {
    const text = formatMetrics({
      auth: AUTH,
      eventLoop: { p50Ms: 0.5, p99Ms: 12, maxMs: 40, meanMs: 1.5, samples: 300 },
      pid: 1,
    });
    const lines = sampleLines(text);
    expect(lines).toContain("gatehouse_event_loop_delay_p50_seconds 0.0005");
    expect(lines).toContain("gatehouse_event_loop_delay_p99_seconds 0.012");
    expect(lines).toContain("gatehouse_event_loop_delay_max_seconds 0.04");
    expect(lines).toContain("gatehouse_event_loop_delay_mean_seconds 0.0015");
    expect(lines).toContain("gatehouse_event_loop_delay_samples 300");
  });
});
