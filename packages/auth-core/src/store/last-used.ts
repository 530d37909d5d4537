/**
 * When each token and user was last used, and from where (issue 14), at one-minute
 * precision as GitLab and Unkey keep it. A request only updates an entry in memory,
 * and only when the minute changed; a batch goes to the store once a minute and at
 * close. Processes and nodes merge by keeping the later time, so the order in which
 * their batches arrive does not matter.
 */

export interface LastUse {
  /** Epoch seconds, a whole minute. */
  time: number;
  source?: string;
}

const MINUTE_MS = 60_000;
export const LAST_USED_FLUSH_INTERVAL_MS = MINUTE_MS;
/** Past this many ids, entries already flushed are forgotten; a later use simply adds them again. */
const MAX_TRACKED_IDS = 100_000;

interface TrackedUse {
  minute: number;
  source: string | undefined;
  dirty: boolean;
}

/** The later of two uses; a tie keeps the first. */
export function laterLastUse(a: LastUse | undefined, b: LastUse | undefined): LastUse | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return b.time > a.time ? b : a;
}

/** Merges `incoming` into `into` by latest time, in place. */
export function mergeLastUses(into: Map<string, LastUse>, incoming: ReadonlyMap<string, LastUse>): void {
  for (const [id, use] of incoming) {
    const kept = laterLastUse(into.get(id), use);
    if (kept !== undefined) into.set(id, kept);
  }
}

/** Where a tracker flushes its batches: an AccessStore; without the method nothing is tracked. */
export interface LastUseSink {
  recordLastUsed?: (uses: ReadonlyMap<string, LastUse>) => Promise<void>;
}

export class LastUsedTracker {
  private readonly uses = new Map<string, TrackedUse>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly store: LastUseSink,
    private readonly onFlushError: (error: unknown) => void = () => undefined,
  ) {}

  /**
   * Notes a use. On the hot path: a division, a map lookup and a compare; it
   * allocates only for the first use of an id in this process (and after the
   * bound let it go), and writes three fields when the minute changed.
   */
  note(id: string, nowMs: number, source: string | undefined): void {
    if (this.store.recordLastUsed === undefined) return;
    const minute = Math.floor(nowMs / MINUTE_MS);
    const tracked = this.uses.get(id);
    if (tracked !== undefined) {
      if (tracked.minute >= minute) return;
      tracked.minute = minute;
      tracked.source = source;
      tracked.dirty = true;
    } else {
      if (this.uses.size >= MAX_TRACKED_IDS) this.forgetFlushed();
      this.uses.set(id, { minute, source, dirty: true });
    }
    this.armTimer();
  }

  private armTimer(): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => void this.flush().catch(this.onFlushError), LAST_USED_FLUSH_INTERVAL_MS);
    // A process with nothing else to do may exit; close() flushes what is left.
    this.timer.unref();
  }

  /** This process's uses not yet flushed, for reads that must show them at once. */
  readPending(): Map<string, LastUse> {
    const pending = new Map<string, LastUse>();
    for (const [id, tracked] of this.uses) if (tracked.dirty) pending.set(id, toLastUse(tracked));
    return pending;
  }

  /** Writes every changed entry to the store; at most one flush runs at a time. */
  async flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.flushing !== null) await this.flushing;
    const batch = this.readPending();
    if (batch.size === 0 || this.store.recordLastUsed === undefined) return;
    for (const id of batch.keys()) {
      const tracked = this.uses.get(id);
      if (tracked !== undefined) tracked.dirty = false;
    }
    this.flushing = this.store.recordLastUsed(batch).catch((error: unknown) => {
      // Not lost: marked again unless a newer use already did, and tried with the next batch.
      for (const [id, use] of batch) {
        const tracked = this.uses.get(id);
        if (tracked !== undefined && tracked.minute * 60 === use.time) tracked.dirty = true;
      }
      this.armTimer();
      throw error;
    });
    try {
      await this.flushing;
    } finally {
      this.flushing = null;
    }
  }

  private forgetFlushed(): void {
    for (const [id, tracked] of this.uses) if (!tracked.dirty) this.uses.delete(id);
  }
}

function toLastUse(tracked: TrackedUse): LastUse {
  const use: LastUse = { time: tracked.minute * 60 };
  if (tracked.source !== undefined) use.source = tracked.source;
  return use;
}
