/**
 * The file store's exclusive lock across processes (see
 * docs/decisions/001-store-lock.md). proper-lockfile creates a lock directory with
 * mkdir (atomic) and refreshes its mtime while held; a lock whose mtime is older
 * than `staleMs` belongs to a dead process and is broken by the next caller.
 */
import { readFileSync, statSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { lock as lockFile } from "proper-lockfile";
import { StoreLockCompromisedError, StoreLockTimeoutError } from "../../core/errors.js";

/** A mutation under the lock takes milliseconds; 10 s of waiting means something is wrong. */
export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

/**
 * A holder refreshes the lock every staleMs/2. 5 s tolerates an event-loop stall of
 * about 2.5 s in the holder before others may break its lock, and bounds the wait
 * after a SIGKILLed holder to about 5 s. proper-lockfile's minimum is 2 s.
 */
export const DEFAULT_LOCK_STALE_MS = 5_000;

const MIN_STALE_MS = 2_000;

/** Backoff between attempts on a held file lock: short at first, since holds are short. */
const FIRST_RETRY_DELAY_MS = 5;
const MAX_RETRY_DELAY_MS = 100;
/** The process next in line polls this often, touching its claim each time. */
const CLAIMANT_POLL_MS = 5;
/** A claim not touched for this long belongs to a waiter that gave up or died. */
const CLAIM_STALE_MS = 1_000;

export interface StoreLockOptions {
  timeoutMs?: number;
  staleMs?: number;
}

/** What the critical section sees of the lock it runs under. */
export interface HeldLock {
  /** Set when the lock was lost while held; no write may follow. */
  readonly compromised: Error | null;
  /** Throws StoreLockCompromisedError when the lock was lost. Call it right before writing. */
  assertHeld(): void;
}

/**
 * Same-process callers wait in a FIFO queue before they touch the lock directory:
 * proper-lockfile refuses a second acquire from the process that holds the lock,
 * and polling the file system from within one process would only burn time.
 * Shared by every StoreLock of the same path in this process.
 */
class InProcessQueue {
  private held = false;
  private readonly waiters: { grant: () => void }[] = [];

  isIdle(): boolean {
    return !this.held && this.waiters.length === 0;
  }

  /** Resolves true once this caller holds the queue, or false when `timeoutMs` passed first. */
  enter(timeoutMs: number): Promise<boolean> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolveEnter) => {
      const waiter = {
        grant: () => {
          clearTimeout(timer);
          resolveEnter(true);
        },
      };
      const timer = setTimeout(
        () => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          resolveEnter(false);
        },
        Math.max(0, timeoutMs),
      );
      this.waiters.push(waiter);
    });
  }

  leave(): void {
    const next = this.waiters.shift();
    if (next) next.grant();
    else this.held = false;
  }
}

const queues = new Map<string, InProcessQueue>();

function getQueue(lockPath: string): InProcessQueue {
  let queue = queues.get(lockPath);
  if (!queue) {
    queue = new InProcessQueue();
    queues.set(lockPath, queue);
  }
  return queue;
}

function releaseQueue(lockPath: string, queue: InProcessQueue): void {
  queue.leave();
  if (queue.isIdle() && queues.get(lockPath) === queue) queues.delete(lockPath);
}

class LockState implements HeldLock {
  compromised: Error | null = null;
  constructor(private readonly lockPath: string) {}
  assertHeld(): void {
    if (this.compromised) throw new StoreLockCompromisedError(this.lockPath, { cause: this.compromised });
  }
}

export class StoreLock {
  readonly lockPath: string;
  readonly timeoutMs: number;
  readonly staleMs: number;

  /** `lockPath` is the lock directory to create, e.g. `<dataDir>/store.lock`. */
  constructor(lockPath: string, options: StoreLockOptions = {}) {
    this.lockPath = resolve(lockPath);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    this.staleMs = options.staleMs ?? DEFAULT_LOCK_STALE_MS;
    if (!Number.isFinite(this.timeoutMs) || this.timeoutMs < 0) {
      throw new RangeError(`StoreLock: timeoutMs must be a non-negative number of ms, got ${this.timeoutMs}`);
    }
    if (!Number.isFinite(this.staleMs) || this.staleMs < MIN_STALE_MS) {
      throw new RangeError(`StoreLock: staleMs must be at least ${MIN_STALE_MS} ms, got ${this.staleMs}`);
    }
  }

  /**
   * Runs `critical` while holding the lock, first in this process, then across
   * processes. Throws StoreLockTimeoutError when both together take longer than
   * `timeoutMs`. The lock is released however `critical` ends.
   */
  async run<T>(critical: (held: HeldLock) => Promise<T>): Promise<T> {
    const startedAt = performance.now();
    const queue = getQueue(this.lockPath);
    if (!(await queue.enter(this.timeoutMs))) {
      throw new StoreLockTimeoutError(this.lockPath, Math.round(performance.now() - startedAt));
    }
    try {
      const state = new LockState(this.lockPath);
      const release = await this.acquireFileLock(state, startedAt);
      try {
        return await critical(state);
      } finally {
        // A compromised lock is already gone (release rejects with ERELEASED), and a
        // failed rmdir leaves a lock that turns stale: neither may mask the outcome.
        await release().catch(() => undefined);
      }
    } finally {
      releaseQueue(this.lockPath, queue);
    }
  }

  /**
   * Fair across processes (decision 013): a process that finds the lock held claims
   * the place next in line (`<lock>.next`, created exclusively, holding its pid).
   * While another live process holds that claim, this one does not take the lock
   * even when it is free, so a process that releases and re-acquires at once cannot
   * starve another that polls. The claimant takes the lock at its next poll and
   * removes the claim; a claim not touched for CLAIM_STALE_MS is ignored.
   */
  private async acquireFileLock(state: LockState, startedAt: number): Promise<() => Promise<void>> {
    let delayMs = FIRST_RETRY_DELAY_MS;
    for (;;) {
      const claim = readClaim(this.claimPath);
      const yieldsToClaimant = claim !== null && claim.pid !== process.pid && isLiveClaim(claim);
      if (!yieldsToClaimant) {
        const release = await this.tryLockFile(state);
        if (release !== null) {
          if (claim?.pid === process.pid) removeClaim(this.claimPath);
          return release;
        }
      }
      const waitedMs = performance.now() - startedAt;
      const remainingMs = this.timeoutMs - waitedMs;
      if (remainingMs <= 0) {
        if (claim?.pid === process.pid) removeClaim(this.claimPath);
        throw new StoreLockTimeoutError(this.lockPath, Math.round(waitedMs));
      }
      const isNext = !yieldsToClaimant && claimNextInLine(this.claimPath, claim);
      // Jitter keeps several processes from retrying in lockstep.
      await sleep(Math.min(remainingMs, isNext ? CLAIMANT_POLL_MS : delayMs * (0.5 + Math.random())));
      if (!isNext) delayMs = Math.min(MAX_RETRY_DELAY_MS, delayMs * 2);
    }
  }

  private get claimPath(): string {
    return `${this.lockPath}.next`;
  }

  /** One attempt at the lock directory: its release function, or null while another process holds it. */
  private async tryLockFile(state: LockState): Promise<(() => Promise<void>) | null> {
    {
      try {
        return await lockFile(this.lockPath, {
          lockfilePath: this.lockPath,
          realpath: false,
          stale: this.staleMs,
          retries: 0,
          // proper-lockfile's default rethrows from a timer: an uncaught exception that
          // would kill the server. Record it; the holder checks before writing.
          onCompromised: (error: Error) => {
            state.compromised = error;
          },
        });
      } catch (error) {
        if (!isLockHeld(error)) throw error;
        return null;
      }
    }
  }
}

interface Claim {
  pid: number;
  touchedAtMs: number;
}

function readClaim(path: string): Claim | null {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? { pid, touchedAtMs: statSync(path).mtimeMs } : null;
  } catch {
    return null;
  }
}

function isLiveClaim(claim: Claim): boolean {
  if (Date.now() - claim.touchedAtMs > CLAIM_STALE_MS) return false;
  try {
    // Signal 0 only asks whether the process exists (the file backend is one host).
    process.kill(claim.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Makes this process the one next in line, or keeps it so: true when it holds the
 * claim after the call. A stale claim is replaced; a live one of another process is left.
 */
function claimNextInLine(path: string, seen: Claim | null): boolean {
  if (seen?.pid === process.pid) {
    try {
      const now = new Date();
      utimesSync(path, now, now);
      return true;
    } catch {
      return false;
    }
  }
  if (seen !== null && isLiveClaim(seen)) return false;
  if (seen !== null) removeClaim(path);
  try {
    writeFileSync(path, `${process.pid}\n`, { flag: "wx", mode: 0o600 });
    return true;
  } catch {
    return false;
  }
}

function removeClaim(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone: a stale-claim cleanup by another process got there first.
  }
}

function isLockHeld(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === "ELOCKED";
}
