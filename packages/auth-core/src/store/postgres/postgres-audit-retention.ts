/**
 * Retention of the PostgreSQL audit table (decision 033), the counterpart of the
 * file backend's size rotation: rows older than the configured number of days are
 * deleted once at start and then every hour. Deletes run in bounded batches by the
 * `time` index, so a first prune of a large backlog never holds one long
 * transaction, and every node may prune at once: a row deleted twice is deleted once.
 */
import type { Pool } from "pg";

export const AUDIT_RETENTION_DAYS_MAX = 36_500;
export const AUDIT_PRUNE_INTERVAL_MS = 60 * 60 * 1000;
/** Rows per DELETE; small enough that each statement is short next to mutations. */
const PRUNE_BATCH_ROWS = 10_000;
/** Batches per run: a backlog larger than this is finished by the following runs. */
const PRUNE_MAX_BATCHES = 100;

export interface AuditRetentionOptions {
  /** Keep rows newer than this many days; 0 keeps every row. */
  retainDays: number;
  /** Epoch milliseconds; injectable for tests. */
  nowMs?: () => number;
  /** A failed prune is reported and retried at the next interval; it never fails a request. */
  onError?: (error: unknown) => void;
}

export function requireAuditRetentionDays(days: number): number {
  if (!Number.isInteger(days) || days < 0 || days > AUDIT_RETENTION_DAYS_MAX) {
    throw new RangeError(`audit retention days must be an integer 0..${AUDIT_RETENTION_DAYS_MAX}, got ${days}`);
  }
  return days;
}

export class PostgresAuditPruner {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private readonly deleteBatch: string;
  private readonly nowMs: () => number;

  constructor(
    private readonly pool: Pool,
    quotedTable: string,
    private readonly options: AuditRetentionOptions,
  ) {
    requireAuditRetentionDays(options.retainDays);
    this.nowMs = options.nowMs ?? Date.now;
    this.deleteBatch = `DELETE FROM ${quotedTable} WHERE id IN (SELECT id FROM ${quotedTable} WHERE time < $1 ORDER BY time LIMIT $2)`;
  }

  /** Prunes now and then hourly; nothing when retention is off. */
  start(): void {
    if (this.options.retainDays === 0 || this.timer !== null) return;
    const run = () => void this.prune().catch((error: unknown) => this.options.onError?.(error));
    run();
    // unref: a pending prune must not keep a stopping process alive.
    this.timer = setInterval(run, AUDIT_PRUNE_INTERVAL_MS).unref();
  }

  /** Stops the timer and waits for a prune in flight, so the pool can be closed after. */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /**
   * Deletes rows past retention; returns how many. Runs one at a time, each after the
   * one before, so every call covers the rows written before it was made.
   */
  prune(): Promise<number> {
    if (this.options.retainDays === 0) return Promise.resolve(0);
    const run = (this.running ?? Promise.resolve(0)).catch(() => 0).then(() => this.pruneBatches());
    this.running = run;
    return run;
  }

  private async pruneBatches(): Promise<number> {
    const cutoffS = Math.floor(this.nowMs() / 1000) - this.options.retainDays * 86_400;
    let deleted = 0;
    for (let batch = 0; batch < PRUNE_MAX_BATCHES; batch += 1) {
      const result = await this.pool.query(this.deleteBatch, [cutoffS, PRUNE_BATCH_ROWS]);
      const count = result.rowCount ?? 0;
      deleted += count;
      if (count < PRUNE_BATCH_ROWS) break;
    }
    return deleted;
  }
}
