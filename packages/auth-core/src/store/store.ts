import type { AuditEvent, AuditPage, AuditQuery } from "../core/audit.js";
import type { SecretChanges } from "../cache/secret-cache-sync.js";
import type { LastUse } from "./last-used.js";
import type { AccessConfig, AccessState } from "../core/model.js";

/**
 * Opaque fingerprints of what a cache was filled from. Two equal strings mean the
 * underlying data has not changed; any difference means "flush and reload".
 */
export interface StoreVersions {
  /** Token secrets: the secrets generation, plus (file backend) the stat stamp of `token.shadow`. */
  secrets: string;
  /** Users, token metadata and ACL: the config generation, plus (file backend) the stat stamps of the config files. */
  config: string;
}

/** See AccessStore.readSecretChanges; defined beside the cache that applies it. */
export type { SecretChanges } from "../cache/secret-cache-sync.js";

/** What a mutation writes besides the state it changes. */
export interface MutationOptions {
  /**
   * The audit records of this change, written with it: on the file backend under
   * the same lock, after every file of the change; on PostgreSQL in the same
   * transaction. Written even when the change turned out to change nothing.
   */
  audit?: readonly AuditEvent[];
}

/** Key material shared by every process (and, with PostgreSQL, every node). */
export interface StoredKeys {
  /** PEM, PKCS#8 Ed25519 private key that signs tickets. */
  ticketPrivateKeyPem: string;
  /** PEM, SPKI Ed25519 public key that verifies tickets. */
  ticketPublicKeyPem: string;
  /** Base64 of 32 random bytes: the HMAC key of CSRF prevention tokens. */
  csrfKeyBase64: string;
}

/**
 * A storage backend: the embedded file store or PostgreSQL. Both pass the same
 * contract suite (`describeAccessStoreContract`).
 */
export interface AccessStore {
  readonly kind: "file" | "postgres";

  /**
   * Current versions, on the hot path of every authenticated request. The file
   * backend answers synchronously: one positioned read of the counters file and a
   * stat of each store file, so hand edits are seen on the next request (I3). The
   * PostgreSQL backend answers from its LISTEN state and queries the generation row
   * while its listener is down.
   */
  readVersions(): StoreVersions | Promise<StoreVersions>;

  /**
   * Optional: readVersions as the facade calls it once per request. A backend may
   * reuse its out-of-band-edit checks (the file backend's stats) within one
   * event-loop turn; every change made through a store must still show at once.
   */
  readVersionsThisTurn?(): StoreVersions | Promise<StoreVersions>;

  /**
   * Users, token metadata and ACL, with the SHA-256 digest of the stored config.
   * The config is either the caller's own copy or a deep-frozen snapshot the store
   * shares (PostgreSQL keeps a replica it patches row by row, decision 014); the
   * caller must not modify it. `versions` were read before the data, so they are
   * never newer than it: a cache filled from this call may be flushed too early,
   * never kept too long.
   */
  readConfig(): Promise<{ config: AccessConfig; digest: string; versions: StoreVersions }>;

  /**
   * Optional (invariant I6): which token ids got a new, or lost their, secret hash
   * since the secrets version `since`. Answers the current secrets version with the
   * ids, or `changed: null` when the store cannot tell (a lost notification, a
   * change too large to name, a version it holds no record of): the caller must then
   * treat every token as changed. The answer describes content at least as new as
   * any secrets version read before the call. Without this method every change of
   * the secrets version drops every cached secret (PBS's behaviour).
   */
  readSecretChanges?(since: string): Promise<SecretChanges>;

  /** The argon2id hash of a token secret, or undefined when the token has none. */
  readTokenHash(authid: string): Promise<string | undefined>;

  /** The argon2id hash of a user's password, or undefined. */
  readPasswordHash(userid: string): Promise<string | undefined>;

  /**
   * Runs `change` on a freshly loaded state while holding the store's exclusive
   * lock (file: cross-process lock file; PostgreSQL: a transaction that locks the
   * generation row). What `change` modified is written atomically, and the
   * generation of each changed part is bumped before the lock is released
   * (PostgreSQL: with `pg_notify` in the same transaction). If `change` throws,
   * nothing is written and the error propagates. `change` must not do slow work
   * such as hashing: hash before calling `mutate`. It must be synchronous: the
   * draft is written when it returns, so a returned promise is refused.
   * The `state` it receives is a private copy; keeping it after the call changes nothing.
   */
  mutate<T>(change: (state: AccessState) => T, options?: MutationOptions): Promise<{ result: T; versions: StoreVersions }>;

  /** Audit records of events that change no state (logins, refusals, throttles). */
  appendAudit?(events: readonly AuditEvent[]): Promise<void>;

  /** Audit records, newest first, filtered and paged. */
  readAudit?(query: AuditQuery): Promise<AuditPage>;

  /**
   * Merges last-use times (issue 14) into the store, keeping the later time per id.
   * Outside the generations: a last-use is not config and moves no version.
   */
  recordLastUsed?(uses: ReadonlyMap<string, LastUse>): Promise<void>;

  /** Every stored last-use, by user or token id. */
  readLastUsed?(): Promise<ReadonlyMap<string, LastUse>>;

  /** Loads the shared keys, creating them exactly once across processes/nodes. */
  loadOrCreateKeys(): Promise<StoredKeys>;

  /**
   * Pushes versions changed by other nodes (PostgreSQL NOTIFY, and a forced
   * change on listener reconnect). Returns the unsubscribe function. The file
   * backend needs no push: readVersions is cheap enough to call per request.
   */
  subscribe?(listener: (versions: StoreVersions) => void): () => void;

  close(): Promise<void>;
}
