import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, test } from "vitest";
import { EventLoopDelayMonitor } from "./event-loop-delay.js";

const BLOCK_MS = 60;

function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  // Bounded busy wait: the point is to hold the loop the way a synchronous hash would.
  while (performance.now() < until) {
    /* spin */
  }
}

let monitor: EventLoopDelayMonitor | undefined;
afterEach(() => monitor?.stop());

describe("EventLoopDelayMonitor", () => {
  test("sees a blocked event loop, then starts a fresh window after each read", async () => {
    monitor = new EventLoopDelayMonitor({ resolutionMs: 1 });
    await sleep(5);
    blockEventLoop(BLOCK_MS);
    await sleep(5);
    const blocked = monitor.readAndReset();
    expect(blocked.samples).toBeGreaterThan(0);
    // The block delayed one tick of the sampling timer by about its own length.
    expect(blocked.maxMs).toBeGreaterThanOrEqual(BLOCK_MS / 2);
    expect(blocked.p50Ms).toBeLessThanOrEqual(blocked.p99Ms);
    expect(blocked.p99Ms).toBeLessThanOrEqual(blocked.maxMs);

    const fresh = monitor.readAndReset();
    expect(fresh.maxMs).toBeLessThan(blocked.maxMs);
  });

  test("reports zeros for a window without samples", () => {
    monitor = new EventLoopDelayMonitor();
    monitor.readAndReset();
    expect(monitor.readAndReset()).toEqual({ p50Ms: 0, p99Ms: 0, maxMs: 0, meanMs: 0, samples: 0 });
  });

  test("refuses a resolution that is not a whole number of milliseconds", () => {
    expect(() => new EventLoopDelayMonitor({ resolutionMs: 0 })).toThrow(RangeError);
    expect(() => new EventLoopDelayMonitor({ resolutionMs: 2.5 })).toThrow(RangeError);
  });
});
