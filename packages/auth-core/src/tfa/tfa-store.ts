/**
 * Where second factors live: beside the access config, in their own store (file:
 * `tfa.json` in the data dir, 0600, with its own lock; PostgreSQL: the `tfa_users`
 * table of migration 4), so a login's failure counters never bump the config
 * generation and never flush the token and config caches of every process.
 * Nothing here is cached: the store is read on each login step and TFA call.
 */
import { emptyTfaUserData, isDisposableTfaUserData, tfaUserDataSchema, type TfaUserData } from "./tfa-model.js";

export interface TfaStore {
  /** One user's record, or undefined when the user has none. */
  readUser(userid: string): Promise<TfaUserData | undefined>;
  /** Every user's record (the admin listing). */
  readAll(): Promise<Record<string, TfaUserData>>;
  /**
   * Runs `change` on a private copy of the user's record (an empty one when there is
   * none) under the store's lock, then writes it; a record left with nothing worth
   * keeping is removed. `change` must be synchronous; if it throws, nothing is written.
   * `nowS` decides whether a lock time has run out.
   */
  updateUser<T>(userid: string, nowS: number, change: (data: TfaUserData) => T): Promise<T>;
  /** Drops a user's record (the user was deleted). */
  removeUser(userid: string): Promise<void>;
  close(): Promise<void>;
}

/** Runs a change on a copy and says what to store: the new record, or null to delete. */
export function applyTfaChange<T>(
  current: TfaUserData | undefined,
  nowS: number,
  change: (data: TfaUserData) => T,
): { result: T; next: TfaUserData | null } {
  const draft = current === undefined ? emptyTfaUserData() : cloneTfaUserData(current);
  const result = change(draft);
  if (result instanceof Promise) throw new TypeError("TfaStore.updateUser: the change must be synchronous");
  // Parsing again catches a change that broke the shape before it reaches the disk.
  const next = tfaUserDataSchema.parse(draft);
  return { result, next: isDisposableTfaUserData(next, nowS) ? null : next };
}

export function cloneTfaUserData(data: TfaUserData): TfaUserData {
  return structuredClone(data);
}

/** For tests and stores without persistence: one process, one map. */
export class MemoryTfaStore implements TfaStore {
  private readonly users = new Map<string, TfaUserData>();

  readUser(userid: string): Promise<TfaUserData | undefined> {
    const data = this.users.get(userid);
    return Promise.resolve(data === undefined ? undefined : cloneTfaUserData(data));
  }

  readAll(): Promise<Record<string, TfaUserData>> {
    return Promise.resolve(Object.fromEntries([...this.users].map(([id, data]) => [id, cloneTfaUserData(data)])));
  }

  updateUser<T>(userid: string, nowS: number, change: (data: TfaUserData) => T): Promise<T> {
    try {
      const { result, next } = applyTfaChange(this.users.get(userid), nowS, change);
      if (next === null) this.users.delete(userid);
      else this.users.set(userid, next);
      return Promise.resolve(result);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  removeUser(userid: string): Promise<void> {
    this.users.delete(userid);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
