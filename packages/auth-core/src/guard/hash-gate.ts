/**
 * A bound on slow-hash work. Each argon2 verification takes tens of milliseconds
 * and 19 MiB; without a bound, a flood of wrong secrets would queue without limit
 * and starve every other request of CPU and memory. Past the bound the caller is
 * told to come back later (429 with Retry-After) at once.
 */
import { TooManyRequestsError } from "../core/errors.js";

export interface HashGateOptions {
  /** Tasks that may run at once; about the number of cores argon2 may use. */
  concurrency: number;
  /** Tasks that may wait for a slot; beyond this `run` rejects at once. */
  queueLimit: number;
  /** Seconds a rejected caller is told to wait. Default 1. */
  retryAfterS?: number;
}

/**
 * Who a task is for (a client address, an acting user) and how many of its tasks
 * may be running or queued at once. One owner past its share cannot fill the queue
 * that everyone else needs: its further calls wait in its own backlog, outside the
 * gate, up to `backlog` of them, and past that are refused at once.
 */
export interface GateOwner {
  key: string;
  limit: number;
  /**
   * Calls of this owner that may wait for one of its own slots. 0 (the default)
   * refuses at once, right for anonymous floods; an authenticated admin's parallel
   * writes should queue behind each other instead of getting 429.
   */
  backlog?: number;
}

export interface HashGateStats {
  running: number;
  queued: number;
  /** Calls refused because the queue was full, since creation. */
  rejected: number;
  /** Calls refused because their owner already had its share in the gate and a full backlog, since creation. */
  rejectedOwner: number;
  /** Calls waiting now in their owner's backlog, outside the gate. */
  backlogged: number;
  /** Calls that joined an identical pending task instead of running their own, since creation. */
  collapsed: number;
  /** Tasks that got a slot and ran, since creation. */
  started: number;
}

interface QueuedTask {
  start(): void;
}

/** A call waiting in its owner's backlog for one of the owner's slots. */
interface BacklogEntry {
  /** Moves the call into the gate (running or queued), or refuses it when the shared queue is full. */
  enter(): void;
}

const DEFAULT_RETRY_AFTER_S = 1;

export class HashGate {
  private readonly concurrency: number;
  private readonly queueLimit: number;
  private readonly retryAfterS: number;
  private readonly waiting: QueuedTask[] = [];
  private readonly pending = new Map<string, Promise<unknown>>();
  /** Running and queued tasks per owner key; a key is removed at zero. */
  private readonly owned = new Map<string, number>();
  /** Per owner key, calls waiting for one of the owner's slots, first come first served. */
  private readonly backlogs = new Map<string, BacklogEntry[]>();
  private backlogged = 0;
  private running = 0;
  private rejected = 0;
  private rejectedOwner = 0;
  private collapsed = 0;
  private started = 0;

  constructor(opts: HashGateOptions) {
    if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) {
      throw new RangeError(`HashGate: concurrency must be an integer >= 1, got ${opts.concurrency}`);
    }
    if (!Number.isInteger(opts.queueLimit) || opts.queueLimit < 0) {
      throw new RangeError(`HashGate: queueLimit must be an integer >= 0, got ${opts.queueLimit}`);
    }
    const retryAfterS = opts.retryAfterS ?? DEFAULT_RETRY_AFTER_S;
    if (!Number.isFinite(retryAfterS) || retryAfterS <= 0) {
      throw new RangeError(`HashGate: retryAfterS must be a number > 0, got ${retryAfterS}`);
    }
    this.concurrency = opts.concurrency;
    this.queueLimit = opts.queueLimit;
    this.retryAfterS = retryAfterS;
  }

  /**
   * Runs `task` when a slot is free. Calls with the same non-null `collapseKey`
   * while one is pending share its promise, so the hash runs once for all of
   * them; the key must therefore identify the whole input of the task. A joined
   * call adds no work, so it does not count against its owner. With an `owner`,
   * a call beyond that owner's limit waits in the owner's backlog, or is refused
   * at once when the backlog is full.
   */
  run<T>(collapseKey: string | null, task: () => Promise<T>, owner?: GateOwner): Promise<T> {
    if (collapseKey !== null) {
      const shared = this.pending.get(collapseKey);
      if (shared !== undefined) {
        this.collapsed++;
        return shared as Promise<T>;
      }
    }
    const result =
      owner !== undefined && (this.owned.get(owner.key) ?? 0) >= owner.limit ? this.waitForOwnerSlot(task, owner) : this.enter(task, owner);
    if (collapseKey !== null) {
      this.pending.set(collapseKey, result);
      // Registered before any caller's reaction, so a call that starts after the outcome runs afresh.
      const forget = (): void => {
        if (this.pending.get(collapseKey) === result) this.pending.delete(collapseKey);
      };
      result.then(forget, forget);
    }
    return result;
  }

  /** Puts the call in its owner's backlog; it enters the gate when one of the owner's tasks ends. */
  private waitForOwnerSlot<T>(task: () => Promise<T>, owner: GateOwner): Promise<T> {
    const backlog = this.backlogs.get(owner.key) ?? [];
    if (backlog.length >= (owner.backlog ?? 0)) {
      this.rejectedOwner++;
      return Promise.reject(new TooManyRequestsError("too many of your secret verifications in progress, retry later", this.retryAfterS));
    }
    return new Promise<T>((resolve) => {
      backlog.push({ enter: () => resolve(this.enter(task, owner)) });
      this.backlogs.set(owner.key, backlog);
      this.backlogged++;
    });
  }

  /** Starts the task or queues it for a slot; refuses at once when the shared queue is full. */
  private enter<T>(task: () => Promise<T>, owner: GateOwner | undefined): Promise<T> {
    if (this.isFull()) {
      this.rejected++;
      return Promise.reject(new TooManyRequestsError("too many secret verifications in progress, retry later", this.retryAfterS));
    }
    if (owner !== undefined) this.owned.set(owner.key, (this.owned.get(owner.key) ?? 0) + 1);
    const release = (): void => {
      this.running--;
      this.waiting.shift()?.start();
      if (owner !== undefined) this.releaseOwnerSlot(owner.key);
    };
    return new Promise<T>((resolve) => {
      const start = (): void => {
        this.running++;
        this.started++;
        // new Promise turns a synchronous throw in `task` into a rejection too.
        const outcome = new Promise<T>((resolveTask) => resolveTask(task()));
        // Registered before `resolve` adopts `outcome`, so the slot is free before any caller resumes.
        void outcome.then(release, release);
        resolve(outcome);
      };
      if (this.running < this.concurrency) start();
      else this.waiting.push({ start });
    });
  }

  /** Gives the owner's freed slot to the owner's oldest backlogged call, if any. */
  private releaseOwnerSlot(key: string): void {
    const left = (this.owned.get(key) ?? 1) - 1;
    if (left > 0) this.owned.set(key, left);
    else this.owned.delete(key);
    const backlog = this.backlogs.get(key);
    if (backlog === undefined) return;
    // A slot was just freed, so the first entry gets in; the loop only guards the
    // invariant that a backlog never waits on an owner with nothing in the gate.
    while (backlog.length > 0 && (this.owned.get(key) ?? 0) === left) {
      const next = backlog.shift();
      this.backlogged--;
      next?.enter();
    }
    if (backlog.length === 0) this.backlogs.delete(key);
  }

  private isFull(): boolean {
    return this.running >= this.concurrency && this.waiting.length >= this.queueLimit;
  }

  stats(): HashGateStats {
    return {
      running: this.running,
      queued: this.waiting.length,
      rejected: this.rejected,
      rejectedOwner: this.rejectedOwner,
      backlogged: this.backlogged,
      collapsed: this.collapsed,
      started: this.started,
    };
  }
}
