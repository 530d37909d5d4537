/**
 * Which token hashes and config rows each recent generation changed, as this
 * node's own mutations and the notifications of every node recorded them: what
 * lets a cache drop only the secrets that changed (I6) and the replica read only
 * the rows that changed (decision 014).
 */
import type { ConfigChangeNames } from "./postgres-notification.js";

/** Enough for a cache that catches up at least every few thousand mutations; older gaps drop everything. */
const SECRET_JOURNAL_MAX_GENERATIONS = 4096;
/**
 * How long a catch-up waits for a notification its version already announced (a
 * query or this node's own read can see a bump before the NOTIFY arrives, usually
 * within milliseconds). After that it gives up and drops every cached secret.
 */
const LATE_NOTIFICATION_WAIT_MS = 200;

/** A generation in the range has no record yet: its notification may still be on its way. */
export const NOT_YET_RECORDED = Symbol("not yet recorded");

export class PostgresChangeJournal {
  /** Secrets generation -> the token ids its mutation changed (null: not named). The last few thousand only. */
  private readonly secretJournal = new Map<bigint, ReadonlySet<string> | null>();
  /** Config generation -> the rows its mutation changed (null: not named). The last few thousand only. */
  private readonly configJournal = new Map<bigint, ConfigChangeNames | null>();
  private readonly journalWaiters: (() => void)[] = [];

  /**
   * Notes which token hashes the mutation that moved the secrets generation to
   * `generation` changed (null: it did not say). Both a node's own mutation and its
   * notification record the same thing; the first one wins.
   */
  recordSecretChange(generation: bigint, tokens: readonly string[] | null): void {
    this.recordInJournal(this.secretJournal, generation, tokens === null ? null : new Set(tokens));
  }

  /** recordSecretChange for the config generation: which rows the mutation that moved it to `generation` changed. */
  recordConfigChange(generation: bigint, names: ConfigChangeNames | null): void {
    this.recordInJournal(this.configJournal, generation, names);
  }

  /** Keeps the first record of a generation, drops the oldest past the bound and wakes whoever waits on a journal. */
  private recordInJournal<V>(journal: Map<bigint, V>, generation: bigint, value: V): void {
    if (!journal.has(generation)) journal.set(generation, value);
    // Map order is insertion order: the first keys are the oldest generations.
    while (journal.size > SECRET_JOURNAL_MAX_GENERATIONS) {
      const oldest = journal.keys().next();
      if (oldest.done === true) break;
      journal.delete(oldest.value);
    }
    const waiters = this.journalWaiters.splice(0);
    for (const wake of waiters) wake();
  }

  /**
   * The config rows changed in the generations after `from` up to `to`, merged,
   * or null when that cannot be told: a generation without a record after
   * LATE_NOTIFICATION_WAIT_MS (a lost notification, or one still on its way), or
   * one whose rows were not named. The caller then reads the whole config.
   */
  async readConfigChangesBetween(from: bigint, to: bigint): Promise<ConfigChangeNames | null> {
    return await this.untilRecorded(() => {
      const users = new Set<string>();
      const tokens = new Set<string>();
      let acl = false;
      for (let generation = from + 1n; generation <= to; generation += 1n) {
        const names = this.configJournal.get(generation);
        if (names === null) return null;
        if (names === undefined) return NOT_YET_RECORDED;
        for (const id of names.users) users.add(id);
        for (const id of names.tokens) tokens.add(id);
        acl ||= names.acl;
      }
      return { users: [...users], tokens: [...tokens], acl };
    });
  }

  /** The token ids changed in the secrets generations after `from` up to `to`, merged; null when one was not named. */
  secretChangesBetween(from: bigint, to: bigint): ReadonlySet<string> | null | typeof NOT_YET_RECORDED {
    const changed = new Set<string>();
    for (let generation = from + 1n; generation <= to; generation += 1n) {
      const tokens = this.secretJournal.get(generation);
      if (tokens === null) return null;
      if (tokens === undefined) return NOT_YET_RECORDED;
      for (const id of tokens) changed.add(id);
    }
    return changed;
  }

  /**
   * Runs `read` until it finds every record it needs, again after each new record,
   * for at most LATE_NOTIFICATION_WAIT_MS; null if a record is still missing then.
   */
  async untilRecorded<T>(read: () => T | typeof NOT_YET_RECORDED): Promise<T | null> {
    const deadline = Date.now() + LATE_NOTIFICATION_WAIT_MS;
    for (;;) {
      const answer = read();
      if (answer !== NOT_YET_RECORDED) return answer;
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remainingMs);
        this.journalWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
