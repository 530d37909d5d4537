/**
 * How late the event loop runs its timers: the number that shows whether slow work
 * (argon2, a flood) starves the requests that should be cheap. Node samples it
 * natively (perf_hooks.monitorEventLoopDelay), so measuring costs no JS per request.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

export interface EventLoopDelaySnapshot {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** Delay samples behind the percentiles; 0 means the window saw none. */
  samples: number;
}

export interface EventLoopDelayOptions {
  /** Sampling period in milliseconds; Node's default is 10. */
  resolutionMs?: number;
}

const DEFAULT_RESOLUTION_MS = 10;
const NS_PER_MS = 1e6;

export class EventLoopDelayMonitor {
  private readonly histogram: IntervalHistogram;
  private readonly resolutionMs: number;

  constructor(options: EventLoopDelayOptions = {}) {
    const resolutionMs = options.resolutionMs ?? DEFAULT_RESOLUTION_MS;
    if (!Number.isInteger(resolutionMs) || resolutionMs < 1) {
      throw new RangeError(`EventLoopDelayMonitor: resolutionMs must be an integer >= 1, got ${resolutionMs}`);
    }
    this.resolutionMs = resolutionMs;
    this.histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    this.histogram.enable();
  }

  /**
   * The delays since the previous call, then starts a new window. Windows make
   * a p99 mean "lately", which a since-boot figure stops meaning after an hour;
   * prom-client resets its event-loop histogram on each scrape the same way.
   */
  readAndReset(): EventLoopDelaySnapshot {
    const h = this.histogram;
    const samples = h.count;
    // Node records the whole interval between two ticks of its sampling timer; the
    // delay is what exceeds the period it asked for.
    const delayMs = (ns: number) => Math.max(0, ns / NS_PER_MS - this.resolutionMs);
    const snapshot: EventLoopDelaySnapshot =
      samples === 0
        ? { p50Ms: 0, p99Ms: 0, maxMs: 0, meanMs: 0, samples: 0 }
        : {
            p50Ms: delayMs(h.percentile(50)),
            p99Ms: delayMs(h.percentile(99)),
            maxMs: delayMs(h.max),
            meanMs: delayMs(h.mean),
            samples,
          };
    h.reset();
    return snapshot;
  }

  stop(): void {
    this.histogram.disable();
  }
}
