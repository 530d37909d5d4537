/**
 * Counters of the authentication paths, for the bff's Prometheus endpoint. The
 * hot path only ever adds one to a plain integer field: counting must not cost
 * the requests it counts. Latency is recorded on the slow path alone, where one
 * argon2 run (tens of milliseconds) dwarfs the bucket search.
 */
import type { HashGateStats } from "./hash-gate.js";

/** Upper bounds, in seconds, of the slow-verification latency buckets (Prometheus `le`). */
export const VERIFY_LATENCY_BUCKETS_S: readonly number[] = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]);

/** A cumulative-count histogram in the shape Prometheus exposes. */
export interface LatencyHistogramSnapshot {
  /** Bucket upper bounds in seconds, ascending; an implicit `+Inf` bucket follows. */
  boundsS: readonly number[];
  /** Observations at or below each bound, cumulative; one longer than `boundsS` (the last is `+Inf`). */
  cumulativeCounts: number[];
  count: number;
  sumS: number;
}

export class LatencyHistogram {
  private readonly counts: number[];
  private count = 0;
  private sumS = 0;

  constructor(private readonly boundsS: readonly number[]) {
    for (let i = 1; i < boundsS.length; i++) {
      if (!((boundsS[i] ?? 0) > (boundsS[i - 1] ?? 0))) {
        throw new RangeError("LatencyHistogram: bucket bounds must be strictly ascending");
      }
    }
    this.counts = new Array<number>(boundsS.length + 1).fill(0);
  }

  observe(seconds: number): void {
    let bucket = 0;
    while (bucket < this.boundsS.length && seconds > (this.boundsS[bucket] ?? Infinity)) bucket++;
    this.counts[bucket] = (this.counts[bucket] ?? 0) + 1;
    this.count++;
    this.sumS += seconds;
  }

  snapshot(): LatencyHistogramSnapshot {
    let running = 0;
    const cumulativeCounts = this.counts.map((n) => (running += n));
    return { boundsS: this.boundsS, cumulativeCounts, count: this.count, sumS: this.sumS };
  }
}

/** Every counter at one moment; all counts are since the process started. */
export interface AuthMetricsSnapshot {
  /** `refreshes`: background re-verifications of cached secrets nearing their TTL. */
  tokenCache: { hits: number; misses: number; entries: number; refreshes: number };
  ticketCache: { hits: number; misses: number; entries: number };
  /** Token and password checks that ran (or joined) a slow hash, from arrival to answer. */
  slowVerifyLatency: LatencyHistogramSnapshot;
  hashGate: HashGateStats;
  /** Requests refused with 429 by the per-source or per-identity failure throttle. */
  throttled: number;
  /** Token requests refused: malformed, unknown, inactive or a wrong secret. */
  tokenFailures: number;
}

/** The facade's mutable counters; fields are public so that increments stay plain. */
export class AuthMetrics {
  tokenCacheHits = 0;
  tokenCacheMisses = 0;
  tokenCacheRefreshes = 0;
  tokenFailures = 0;
  throttled = 0;
  readonly slowVerifyLatency = new LatencyHistogram(VERIFY_LATENCY_BUCKETS_S);
}
