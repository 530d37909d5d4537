/**
 * Counts failed logins and token checks per key (a client address, a username or
 * a token id) and says when a key must wait. Together with the hash gate this
 * keeps online guessing slow and keeps one source from using up the argon2 budget.
 */
import { LRUCache } from "lru-cache";
import type { Clock } from "./clock.js";

export interface FailureThrottleOptions {
  clock: Clock;
  /** Failures within one window after which the key is refused until the window ends. */
  maxFailures: number;
  /** Length of the window, which starts at a key's first failure. */
  windowS: number;
  /**
   * Keys remembered at most; the least recently used are forgotten first. Bounds
   * memory when a flood brings many distinct addresses or names.
   */
  maxKeys: number;
}

interface FailureWindow {
  startMs: number;
  failures: number;
}

export class FailureThrottle {
  private readonly clock: Clock;
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly windows: LRUCache<string, FailureWindow>;

  constructor(opts: FailureThrottleOptions) {
    if (!Number.isInteger(opts.maxFailures) || opts.maxFailures < 1) {
      throw new RangeError(`FailureThrottle: maxFailures must be an integer >= 1, got ${opts.maxFailures}`);
    }
    if (!Number.isFinite(opts.windowS) || opts.windowS <= 0) {
      throw new RangeError(`FailureThrottle: windowS must be a number > 0, got ${opts.windowS}`);
    }
    if (!Number.isInteger(opts.maxKeys) || opts.maxKeys < 1) {
      throw new RangeError(`FailureThrottle: maxKeys must be an integer >= 1, got ${opts.maxKeys}`);
    }
    this.clock = opts.clock;
    this.maxFailures = opts.maxFailures;
    this.windowMs = opts.windowS * 1000;
    this.windows = new LRUCache({ max: opts.maxKeys });
  }

  /** The current window of `key`, or undefined once it has ended. */
  private readCurrentWindow(key: string, nowMs: number): FailureWindow | undefined {
    const window = this.windows.get(key);
    if (window === undefined) return undefined;
    // A clock set back by more than a window also ends it, so a key is never stuck.
    const elapsed = nowMs - window.startMs;
    if (elapsed >= this.windowMs || elapsed < -this.windowMs) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  /** Whole seconds `key` must wait (at least 1), or null when it may try now. */
  retryAfterS(key: string): number | null {
    const nowMs = this.clock.nowMs();
    const window = this.readCurrentWindow(key, nowMs);
    if (window === undefined || window.failures < this.maxFailures) return null;
    const remainingMs = Math.min(window.startMs + this.windowMs - nowMs, this.windowMs);
    return Math.max(1, Math.ceil(remainingMs / 1000));
  }

  recordFailure(key: string): void {
    const nowMs = this.clock.nowMs();
    const window = this.readCurrentWindow(key, nowMs);
    if (window === undefined) this.windows.set(key, { startMs: nowMs, failures: 1 });
    else window.failures++;
  }

  /** Forgets the key's failures: the right credential ends a run of typos. */
  recordSuccess(key: string): void {
    this.windows.delete(key);
  }

  /** Keys currently remembered. */
  get size(): number {
    return this.windows.size;
  }
}
