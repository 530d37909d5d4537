/**
 * Counts failed logins and token checks per key (a client address, a username or
 * a token id, each with its source) and says when a key must wait. Together with
 * the hash gate this keeps online guessing slow and keeps one source from using up
 * the argon2 budget, without letting anyone's failures refuse another client's
 * correct credential (invariant I7, decision 010).
 */
import { createHmac, randomBytes } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { Clock } from "../core/clock.js";

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
  /**
   * The distinct wrong credentials counted so far, by fingerprint: a client
   * repeating one wrong secret (a stale runner after a rotation) is one failure,
   * not one per request. Bounded by maxFailures, past which nothing more is added.
   */
  seen: Set<string> | undefined;
}

export class FailureThrottle {
  /** Told once per window, when a key reaches its limit (the audit log's "throttle activated"). */
  onLimitReached: ((key: string) => void) | undefined;
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

  /**
   * Counts one failure of `key`. With a `credential` fingerprint, a credential
   * already counted in this window is not counted again: only distinct guesses
   * bring a key nearer its limit.
   */
  recordFailure(key: string, credential?: string): void {
    const nowMs = this.clock.nowMs();
    const window = this.readCurrentWindow(key, nowMs);
    if (window === undefined) {
      this.windows.set(key, { startMs: nowMs, failures: 1, seen: credential === undefined ? undefined : new Set([credential]) });
      if (this.maxFailures === 1) this.onLimitReached?.(key);
      return;
    }
    if (credential !== undefined) {
      if (window.seen?.has(credential) === true) return;
      if (window.failures < this.maxFailures) (window.seen ??= new Set()).add(credential);
    }
    window.failures++;
    if (window.failures === this.maxFailures) this.onLimitReached?.(key);
  }

  /** Failures of `key` in its current window (0 when it has none). */
  failuresOf(key: string): number {
    return this.readCurrentWindow(key, this.clock.nowMs())?.failures ?? 0;
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

/** How many failures within a window a throttle allows before it answers 429. */
export interface ThrottleLimits {
  maxFailures: number;
  windowS: number;
}

export interface CredentialThrottleOptions {
  clock: Clock;
  /** Every failure from one client address, whatever it tried. */
  perSource: ThrottleLimits;
  /** Distinct wrong credentials for one id (username or token id) from one address. */
  perIdAndSource: ThrottleLimits;
  /**
   * Distinct wrong credentials for one id from every address: a ceiling against
   * guessing spread over many addresses. It refuses only *unverified* attempts:
   * those from an address that itself failed on the id in the window and that do
   * not carry a credential verified here before. An address with no failure of
   * its own on the id always has its credential checked.
   */
  perIdCeiling: ThrottleLimits;
  /** Keys remembered per throttle, and wrong credentials remembered. */
  maxKeys: number;
  /**
   * Told when a throttle reaches its limit, once per window: which throttle, the id
   * (absent for the per-source one) and the address (absent for the per-id ceiling).
   */
  onLimitReached?: (scope: ThrottleScope, id: string | undefined, source: string | undefined) => void;
}

export type ThrottleScope = "source" | "id-and-source" | "id";

/**
 * The failure throttles of one kind of credential (passwords or token secrets),
 * keyed so that the holder of a correct credential is never refused because of
 * other clients' failures (I7): failures count per (id, source) and per source,
 * and the per-id ceiling spares every address that has not failed on the id.
 * Also remembers wrong credentials, so that a repeat of one is refused without a
 * hash and without counting again.
 */
export class CredentialThrottle {
  private readonly perSource: FailureThrottle;
  private readonly perIdAndSource: FailureThrottle;
  private readonly perIdCeiling: FailureThrottle;
  /** `id NUL fingerprint` -> what the credential was checked against (a stored hash, or a marker). */
  private readonly knownWrong: LRUCache<string, string>;
  private readonly fingerprintKey = randomBytes(32);

  constructor(opts: CredentialThrottleOptions) {
    const make = (limits: ThrottleLimits) => new FailureThrottle({ clock: opts.clock, ...limits, maxKeys: opts.maxKeys });
    this.perSource = make(opts.perSource);
    this.perIdAndSource = make(opts.perIdAndSource);
    this.perIdCeiling = make(opts.perIdCeiling);
    this.knownWrong = new LRUCache({ max: opts.maxKeys });
    const notify = opts.onLimitReached;
    if (notify !== undefined) {
      this.perSource.onLimitReached = (source) => notify("source", undefined, source);
      this.perIdAndSource.onLimitReached = (pairKey) => {
        const separator = pairKey.indexOf("\0");
        const source = pairKey.slice(separator + 1);
        notify("id-and-source", pairKey.slice(0, separator), source === "" ? undefined : source);
      };
      this.perIdCeiling.onLimitReached = (id) => notify("id", id, undefined);
    }
  }

  /**
   * A keyed fingerprint of `credential` for `id`: a map key that reveals nothing
   * about the credential without this process's random key.
   */
  fingerprint(id: string, credential: string): string {
    return createHmac("sha256", this.fingerprintKey).update(id).update("\0").update(credential).digest("base64url");
  }

  /**
   * Whole seconds the attempt must wait, or null when it may go on.
   * `isVerifiedBefore` is asked only when the id's ceiling would refuse.
   */
  retryAfterS(id: string, source: string | undefined, isVerifiedBefore?: () => boolean): number | null {
    const sourceWait = source === undefined ? null : this.perSource.retryAfterS(source);
    const pairKey = pairKeyOf(id, source);
    const pairWait = this.perIdAndSource.retryAfterS(pairKey);
    let ceilingWait: number | null = null;
    if (this.perIdAndSource.failuresOf(pairKey) > 0) {
      ceilingWait = this.perIdCeiling.retryAfterS(id);
      if (ceilingWait !== null && isVerifiedBefore?.() === true) ceilingWait = null;
    }
    const wait = Math.max(sourceWait ?? 0, pairWait ?? 0, ceilingWait ?? 0);
    return wait > 0 ? wait : null;
  }

  /** Only the per-source throttle: for input refused before any id was looked at. */
  sourceRetryAfterS(source: string | undefined): number | null {
    return source === undefined ? null : this.perSource.retryAfterS(source);
  }

  /** A failure with no id worth remembering (a malformed credential): counts against the source only. */
  recordSourceFailure(source: string | undefined): void {
    if (source !== undefined) this.perSource.recordFailure(source);
  }

  /**
   * A wrong credential for `id`. `checkedAgainst` names what it was compared
   * with (the stored hash, or a marker for an id that does not exist or is not
   * active): while that stays the same, a repeat is refused without a hash.
   */
  recordFailure(id: string, source: string | undefined, fingerprint: string, checkedAgainst: string): void {
    const credential = `${id}\0${fingerprint}`;
    this.knownWrong.set(credential, checkedAgainst);
    if (source !== undefined) this.perSource.recordFailure(source, credential);
    this.perIdAndSource.recordFailure(pairKeyOf(id, source), fingerprint);
    this.perIdCeiling.recordFailure(id, fingerprint);
  }

  /**
   * Whether this exact credential already failed for `id` against the same
   * stored hash (or marker): a repeat, answered without a hash and not counted.
   */
  isKnownWrong(id: string, fingerprint: string, checkedAgainst: string): boolean {
    return this.knownWrong.get(`${id}\0${fingerprint}`) === checkedAgainst;
  }

  /** The right credential ends that address's run of typos on the id; the ceiling is left as it is. */
  recordSuccess(id: string, source: string | undefined): void {
    this.perIdAndSource.recordSuccess(pairKeyOf(id, source));
  }
}

function pairKeyOf(id: string, source: string | undefined): string {
  return `${id}\0${source ?? ""}`;
}
