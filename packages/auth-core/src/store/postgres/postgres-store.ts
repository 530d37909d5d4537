/**
 * The PostgreSQL AccessStore: many bff nodes share one database, and a bump of a
 * generation on any node reaches every other node through NOTIFY. See
 * docs/decisions/003-postgres-generations.md for the connection layout.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import pg from "pg";
import type { ClientConfig, Pool, PoolClient } from "pg";
import { StoreCorruptError, StoreLockTimeoutError } from "../../core/errors.js";
import type { AccessConfig, AccessState } from "../../core/model.js";
import type { PostgresListenerEvent, PostgresListenerState, ReconnectBackoff } from "./postgres-listener.js";
import { PostgresGenerationListener } from "./postgres-listener.js";
import { migratePostgresSchema } from "./postgres-migrations.js";
import { PostgresAuditPruner, requireAuditRetentionDays } from "./postgres-audit-retention.js";
import type { ConfigChangeNames } from "./postgres-listener.js";
import type { Generations, StateChanges } from "./postgres-rows.js";
import {
  computeConfigDigest,
  parseConfigColumns,
  parseConfigRows,
  parseGenerationsRow,
  summarizeChanges,
  toStateChanges,
} from "./postgres-rows.js";
import type { PostgresSql } from "./postgres-sql.js";
import { createPostgresSql, DEFAULT_POSTGRES_SCHEMA } from "./postgres-sql.js";
import type { DraftChanges, HashPart, LoadedHashes } from "../state-draft.js";
import { applyConfigChanges, createStateDraft, freezeConfig, RowsNotLoaded } from "../state-draft.js";
import type { AccessStore, MutationOptions, SecretChanges, StoredKeys, StoreVersions } from "../store.js";
import { toStorableAuditEvent } from "../../core/audit.js";
import type { AuditEvent, AuditPage, AuditQuery, AuditRecord } from "../../core/audit.js";
import { isTokenAuthid } from "../../core/ids.js";
import type { LastUse } from "../last-used.js";

/** Operational events for logs and metrics. Errors come from `pg` and carry no passwords. */
export type PostgresStoreEvent = PostgresListenerEvent | { type: "pool-error"; error: unknown };

export interface PostgresStoreOptions {
  /** Queries and transactions; may point at a transaction-pooling PgBouncer. */
  connectionString: string;
  /**
   * The LISTEN session. Must be a direct connection to PostgreSQL (or a
   * session-pooling proxy): transaction pooling silently breaks LISTEN/NOTIFY.
   * Defaults to `connectionString`.
   */
  listenConnectionString?: string;
  /** Schema holding the tables; created and migrated at start. Default `gatehouse`. */
  schema?: string;
  /** Pooled connections per node. Default 10. */
  poolSize?: number;
  /** How long a mutation waits for the generation row lock before StoreLockTimeoutError. Default 10 000. */
  lockTimeoutMs?: number;
  /** Timeout to open a connection, and to wait for a free pooled one. Default 10 000. */
  connectTimeoutMs?: number;
  reconnectBackoff?: ReconnectBackoff;
  heartbeatIntervalMs?: number;
  heartbeatTimeoutMs?: number;
  onEvent?: (event: PostgresStoreEvent) => void;
  /** Audit rows older than this many days are pruned at open and hourly (decision 033); 0, the default, keeps all. */
  auditRetentionDays?: number;
  /** Reports a failed prune; the next interval tries again. */
  onAuditPruneError?: (error: unknown) => void;
}

/** Counters for tests and metrics. */
export interface PostgresStoreStats extends PostgresListenerState {
  /** Queries of the generation row sent because the listener was down; concurrent readVersions calls share one. */
  fallbackVersionQueries: number;
  /** Reads of the whole config (the first, and each catch-up that could not name its rows). */
  fullConfigReads: number;
  /** Catch-ups that read only the rows the notifications named. */
  partialConfigReads: number;
}

const DEFAULT_POOL_SIZE = 10;
const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/**
 * Bounds each statement of a mutation and each idle gap inside it: a node that
 * stalls mid-mutation must not hold the generation row, and so every other node's
 * mutations (and this node's queue), forever.
 */
const STATEMENT_TIMEOUT_MS = 30_000;
const PG_LOCK_NOT_AVAILABLE = "55P03";
/** A change that keeps asking for more hash rows one at a time gets all of them after this many rounds. */
const MAX_ROW_LOAD_ROUNDS = 16;

/** The config as this node last read it, at a config generation: frozen and shared (decision 014). */
interface ConfigReplica {
  generation: bigint;
  config: AccessConfig;
}

/** Creates the schema if needed, runs pending migrations and connects the listener. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresAccessStore> {
  const sql = createPostgresSql(options.schema ?? DEFAULT_POSTGRES_SCHEMA);
  const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new RangeError(`poolSize must be an integer >= 1, got ${poolSize}`);
  if (!Number.isInteger(lockTimeoutMs) || lockTimeoutMs < 1) {
    throw new RangeError(`lockTimeoutMs must be an integer >= 1, got ${lockTimeoutMs}`);
  }
  const auditRetentionDays = requireAuditRetentionDays(options.auditRetentionDays ?? 0);

  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: poolSize,
    connectionTimeoutMillis: connectTimeoutMs,
    application_name: "gatehouse",
  });
  // Without a listener, an idle pooled connection that dies would crash the process.
  pool.on("error", (error) => options.onEvent?.({ type: "pool-error", error }));

  const listenerConfig: ClientConfig = {
    connectionString: options.listenConnectionString ?? options.connectionString,
    connectionTimeoutMillis: connectTimeoutMs,
    keepAlive: true,
    application_name: "gatehouse-listener",
  };
  const listener = new PostgresGenerationListener({
    clientConfig: listenerConfig,
    schema: sql.schema,
    readGenerationsSql: sql.readGenerations,
    ...(options.reconnectBackoff ? { backoff: options.reconnectBackoff } : {}),
    ...(options.heartbeatIntervalMs !== undefined ? { heartbeatIntervalMs: options.heartbeatIntervalMs } : {}),
    ...(options.heartbeatTimeoutMs !== undefined ? { heartbeatTimeoutMs: options.heartbeatTimeoutMs } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });

  try {
    await migratePostgresSchema(pool, sql.schema);
    await listener.start();
  } catch (error) {
    await listener.stop();
    await pool.end().catch(() => undefined);
    throw error;
  }
  const pruner = new PostgresAuditPruner(pool, `${sql.quotedSchema}.audit`, {
    retainDays: auditRetentionDays,
    ...(options.onAuditPruneError === undefined ? {} : { onError: options.onAuditPruneError }),
  });
  pruner.start();
  return new PostgresAccessStore(pool, listener, sql, lockTimeoutMs, pruner);
}

export class PostgresAccessStore implements AccessStore {
  readonly kind = "postgres" as const;
  private closed = false;
  private closing: Promise<void> | null = null;
  private fallbackVersionQueries = 0;
  /** The fallback query that readVersions calls join; null from the moment it is sent. */
  private queuedVersionQuery: Promise<StoreVersions> | null = null;
  /** Settles with the last fallback query sent: the next one waits for it. */
  private versionQueryTail: Promise<unknown> = Promise.resolve();
  private mutationTail: Promise<unknown> = Promise.resolve();
  /** Null until the first read; replaced (never edited) by newer ones only. */
  private replica: ConfigReplica | null = null;
  /** Full reads of the config since open, for tests and metrics: a change named in its notification needs none. */
  private fullConfigReads = 0;
  private partialConfigReads = 0;

  /** Use openPostgresStore: the schema must be migrated and the listener started first. */
  constructor(
    private readonly pool: Pool,
    private readonly listener: PostgresGenerationListener,
    private readonly sql: PostgresSql,
    private readonly lockTimeoutMs: number,
    private readonly auditPruner: PostgresAuditPruner,
  ) {}

  /**
   * Synchronous from the listener's state while it is up, so the hot path does no
   * query; while it is down, a cheap read of the generation row, never a cached
   * answer, because a notification may have been missed.
   */
  readVersions(): StoreVersions | Promise<StoreVersions> {
    this.assertOpen();
    return this.listener.currentVersions() ?? this.joinVersionQuery();
  }

  /**
   * The config at least as new as the versions returned, from this node's replica:
   * brought forward by reading only the rows the notifications since its generation
   * named, or the whole config when a notification is missing or named nothing
   * (decision 014). The config is frozen and shared; the digest is computed on
   * first use.
   */
  async readConfig(): Promise<{ config: AccessConfig; digest: string; versions: StoreVersions }> {
    this.assertOpen();
    // Asked of the database, not the listener: a read sees every change committed
    // before it, on any node, as the whole-config read did. Read before the data,
    // so the versions are never newer than it.
    const { rows } = await this.pool.query<Record<string, unknown>>(this.sql.readGenerations);
    const generations = parseGenerationsRow(rows[0], this.generationsLocation());
    const versions = this.listener.observe(generations);
    const replica = await this.readReplicaAt(generations.config, this.pool);
    const { config } = replica;
    let digest: string | undefined;
    return {
      config,
      get digest() {
        digest ??= computeConfigDigest(config);
        return digest;
      },
      versions,
    };
  }

  /**
   * I6 across nodes: the token ids named by the notifications (and this node's own
   * mutations) between `since` and now. Unknown (null) after a listener reconnect or
   * a missed or unnamed change: the caller then drops every cached secret, never
   * trusting one it cannot account for.
   */
  async readSecretChanges(since: string): Promise<SecretChanges> {
    this.assertOpen();
    const current = this.listener.currentVersions();
    if (current === null) return { version: (await this.joinVersionQuery()).secrets, changed: null };
    const changed = await this.listener.readSecretChangesSince(since);
    // Read again: the wait for a late notification may have let newer ones in, and they are part of the answer.
    return changed === null ? { version: current.secrets, changed } : changed;
  }

  async readTokenHash(authid: string): Promise<string | undefined> {
    return await this.readHash(this.sql.readTokenHash, authid);
  }

  async readPasswordHash(userid: string): Promise<string | undefined> {
    return await this.readHash(this.sql.readPasswordHash, userid);
  }

  async mutate<T>(change: (state: AccessState) => T, options?: MutationOptions): Promise<{ result: T; versions: StoreVersions }> {
    this.assertOpen();
    // The row lock serializes mutations across nodes anyway; queueing them here as
    // well keeps a burst from filling the pool with lock waiters that reads (and the
    // fallback version query) would then queue behind.
    // Checked before the transaction: a record the table would refuse fails the call before any write.
    const audit = (options?.audit ?? []).map(toStorableAuditEvent);
    const run = this.mutationTail.then(() => this.mutateNow(change, audit));
    this.mutationTail = run.catch(() => undefined);
    return await run;
  }

  private async mutateNow<T>(
    change: (state: AccessState) => T,
    audit: readonly AuditEvent[],
  ): Promise<{ result: T; versions: StoreVersions }> {
    this.assertOpen();
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query(
        // The statement timeout leaves room for the lock wait, so a slow lock is reported as StoreLockTimeoutError.
        `BEGIN; SET LOCAL lock_timeout = ${this.lockTimeoutMs}; ` +
          `SET LOCAL statement_timeout = ${this.lockTimeoutMs + STATEMENT_TIMEOUT_MS}; ` +
          `SET LOCAL idle_in_transaction_session_timeout = ${STATEMENT_TIMEOUT_MS}`,
      );
      try {
        return await this.mutateInTransaction(client, change, audit);
      } catch (error) {
        await client.query("ROLLBACK").catch((rollbackError: unknown) => {
          broken = rollbackError instanceof Error ? rollbackError : new Error("rollback failed");
        });
        throw error;
      }
    } finally {
      // A connection whose rollback failed is in an unknown state: destroy it rather than reuse it.
      client.release(broken);
    }
  }

  async loadOrCreateKeys(): Promise<StoredKeys> {
    this.assertOpen();
    const existing = await this.readKeys();
    if (existing !== null) return existing;
    const fresh = generateStoredKeys();
    // Two nodes may both get here: the insert of the second does nothing, and both read the winner's keys.
    await this.pool.query(this.sql.insertKeys, [fresh.ticketPrivateKeyPem, fresh.ticketPublicKeyPem, fresh.csrfKeyBase64]);
    const stored = await this.readKeys();
    if (stored === null) throw new StoreCorruptError(`${this.sql.schema}.shared_keys`, "the keys row vanished after insert");
    return stored;
  }

  async appendAudit(events: readonly AuditEvent[]): Promise<void> {
    this.assertOpen();
    if (events.length > 0) await this.pool.query(this.sql.insertAudit, auditColumns(events));
  }

  async readAudit(query: AuditQuery): Promise<AuditPage> {
    this.assertOpen();
    const where: string[] = [];
    const params: unknown[] = [];
    const bind = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.since !== undefined) where.push(`time >= ${bind(query.since)}`);
    if (query.until !== undefined) where.push(`time < ${bind(query.until)}`);
    if (query.actor !== undefined) where.push(`actor = ${bind(query.actor)}`);
    if (query.outcome !== undefined) where.push(`outcome = ${bind(query.outcome)}`);
    if (query.action !== undefined) {
      where.push(`(action = ${bind(query.action)} OR action LIKE ${bind(`${escapeLike(query.action)}.%`)})`);
    }
    if (query.target !== undefined) {
      const ownTokens = isTokenAuthid(query.target) ? "" : ` OR target LIKE ${bind(`${escapeLike(query.target)}!%`)}`;
      where.push(`(target = ${bind(query.target)}${ownTokens})`);
    }
    const filter = where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`;
    const table = `${this.sql.quotedSchema}.audit`;
    const countParams = [...params];
    const { rows } = await this.pool.query<Record<string, unknown>>(
      `SELECT id::text AS id, time::text AS time, actor, source, action, target, outcome, request_id, detail
       FROM ${table} ${filter} ORDER BY id DESC LIMIT ${bind(query.limit)} OFFSET ${bind(query.start)}`,
      params,
    );
    const counted = await this.pool.query<{ total: string }>(`SELECT count(*)::text AS total FROM ${table} ${filter}`, countParams);
    return { rows: rows.map(toAuditRecord), total: Number(counted.rows[0]?.total ?? 0) };
  }

  /** Deletes audit rows past the retention now (also done hourly); returns how many. */
  pruneAudit(): Promise<number> {
    this.assertOpen();
    return this.auditPruner.prune();
  }

  async recordLastUsed(uses: ReadonlyMap<string, LastUse>): Promise<void> {
    this.assertOpen();
    if (uses.size === 0) return;
    const ids = [...uses.keys()];
    const entries = [...uses.values()];
    await this.pool.query(this.sql.upsertLastUsed, [ids, entries.map((use) => use.time), entries.map((use) => use.source ?? null)]);
  }

  async readLastUsed(): Promise<ReadonlyMap<string, LastUse>> {
    this.assertOpen();
    const { rows } = await this.pool.query<{ id: string; time: string; source: string | null }>(this.sql.readLastUsed);
    const uses = new Map<string, LastUse>();
    for (const row of rows)
      uses.set(row.id, row.source === null ? { time: Number(row.time) } : { time: Number(row.time), source: row.source });
    return uses;
  }

  subscribe(listener: (versions: StoreVersions) => void): () => void {
    return this.listener.subscribe(listener);
  }

  /** Listener health and fallback counts, for tests, logs and metrics. */
  readStats(): PostgresStoreStats {
    return {
      ...this.listener.readState(),
      fallbackVersionQueries: this.fallbackVersionQueries,
      fullConfigReads: this.fullConfigReads,
      partialConfigReads: this.partialConfigReads,
    };
  }

  /** The pool and schema the second-factor store (tfa/tfa-postgres-store.ts) works in. */
  tfaStoreBackend(): { pool: Pool; quotedSchema: string } {
    return { pool: this.pool, quotedSchema: this.sql.quotedSchema };
  }

  close(): Promise<void> {
    this.closed = true;
    this.closing ??= (async () => {
      await this.auditPruner.stop();
      await this.listener.stop();
      await this.pool.end();
    })();
    return this.closing;
  }

  /**
   * While the listener is down every request reads the versions, so a burst would
   * take a pooled connection per request. Calls share one query instead, but only
   * one not yet sent: an answer is never older than the call, so a change committed
   * before the call is seen. Calls that arrive while a query is in flight share the
   * next one, sent when it settles.
   */
  private joinVersionQuery(): Promise<StoreVersions> {
    if (this.queuedVersionQuery !== null) return this.queuedVersionQuery;
    const query = this.versionQueryTail.then(() => {
      this.queuedVersionQuery = null;
      return this.queryVersions();
    });
    this.queuedVersionQuery = query;
    this.versionQueryTail = query.catch(() => undefined);
    return query;
  }

  private async queryVersions(): Promise<StoreVersions> {
    this.assertOpen();
    this.fallbackVersionQueries += 1;
    const { rows } = await this.pool.query<Record<string, unknown>>(this.sql.readGenerations);
    const queried = this.listener.observe(parseGenerationsRow(rows[0], this.generationsLocation()));
    // If the listener came back during the query, its state already includes this read.
    return this.listener.currentVersions() ?? queried;
  }

  private async readHash(sqlText: string, key: string): Promise<string | undefined> {
    this.assertOpen();
    const { rows } = await this.pool.query<Record<string, unknown>>(sqlText, [key]);
    const row = this.expectGenerationsRow(rows[0]);
    // The generations come from the same snapshot as the hash; merging them keeps versions no older than the hash.
    this.listener.observe(parseGenerationsRow(row, this.generationsLocation()));
    const hash = row.hash;
    if (hash === null || hash === undefined) return undefined;
    if (typeof hash !== "string") throw new StoreCorruptError(this.generationsLocation(), "a hash is not text");
    return hash;
  }

  /**
   * The row-level mutation (decision 014). Under the generation row lock: bring the
   * replica to the locked generation (reading only named rows when it can), run the
   * change on a copy-on-write draft of it, load any hash rows the change reads and
   * run it again, then write only the rows that differ, bump and notify with their
   * names, all in this one transaction. The single place every mutation of this
   * backend passes through.
   */
  private async mutateInTransaction<T>(
    client: PoolClient,
    change: (state: AccessState) => T,
    audit: readonly AuditEvent[],
  ): Promise<{ result: T; versions: StoreVersions }> {
    let locked: Generations;
    try {
      // Every mutation on every node takes this row lock first, so mutations run one at a time.
      const { rows } = await client.query<Record<string, unknown>>(this.sql.lockGenerations);
      locked = parseGenerationsRow(rows[0], this.generationsLocation());
    } catch (error) {
      if (isPostgresError(error, PG_LOCK_NOT_AVAILABLE)) {
        throw new StoreLockTimeoutError(this.generationsLocation(), this.lockTimeoutMs, { cause: error });
      }
      throw error;
    }
    this.listener.observe(locked);
    // Under the lock nothing newer is committed, so a replica at the locked generation is exact.
    const base = await this.readReplicaAt(locked.config, client);
    if (base.generation !== locked.config) {
      throw new StoreCorruptError(this.generationsLocation(), "the config generation moved while the row lock was held");
    }
    const { result, changes } = await this.runDraft(client, base.config, change);
    const rows = toStateChanges(changes);
    const changed = summarizeChanges(rows);
    let generations = locked;
    if (changed.secrets || changed.config) {
      await this.writeChanges(client, rows);
      const bumped = await client.query<Record<string, unknown>>(this.sql.bumpGenerations, [
        changed.secrets ? 1 : 0,
        changed.config ? 1 : 0,
        this.sql.schema,
        formatChangeNotice(changed.secrets ? listChangedTokenHashes(rows) : null, changed.config ? nameConfigChanges(changes) : null),
      ]);
      generations = parseGenerationsRow(bumped.rows[0], this.generationsLocation());
    }
    // In the mutation's own transaction: the record commits with the change or not at all.
    if (audit.length > 0) await client.query(this.sql.insertAudit, auditColumns(audit));
    await client.query("COMMIT");
    // Recorded only once committed: a rolled-back bump must leave no record for a generation another mutation will take.
    if (changed.secrets) this.listener.recordSecretChange(generations.secrets, listChangedTokenHashes(rows));
    if (changed.config) {
      this.listener.recordConfigChange(generations.config, nameConfigChanges(changes));
      this.installReplica(generations.config, changes);
    }
    // Merged before returning, so this node's readVersions moves with its own mutation without waiting for NOTIFY (I1).
    return { result, versions: this.listener.observe(generations) };
  }

  /** Runs `change` on a draft of `config`, loading the hash rows it reads and running it again (state-draft.ts). */
  private async runDraft<T>(
    client: PoolClient,
    config: AccessConfig,
    change: (state: AccessState) => T,
  ): Promise<{ result: T; changes: DraftChanges }> {
    const hashes: Record<HashPart, LoadedHashes> = {
      tokenHashes: { rows: new Map(), complete: false },
      passwordHashes: { rows: new Map(), complete: false },
    };
    for (let round = 0; ; round += 1) {
      const draft = createStateDraft(config, hashes);
      try {
        const result = change(draft.state);
        if (result instanceof Promise) throw new TypeError("mutate: the change must be synchronous");
        return { result, changes: draft.readChanges() };
      } catch (error) {
        if (!(error instanceof RowsNotLoaded)) throw error;
        const keys = round >= MAX_ROW_LOAD_ROUNDS ? "all" : error.keys;
        await this.loadHashRows(client, hashes[error.part], error.part, keys);
      }
    }
  }

  private async loadHashRows(client: PoolClient, loaded: LoadedHashes, part: HashPart, keys: readonly string[] | "all"): Promise<void> {
    const sqlText = part === "tokenHashes" ? this.sql.readTokenHashRows : this.sql.readPasswordHashRows;
    const { rows } = await client.query<{ key: unknown; hash: unknown }>(sqlText, [keys === "all" ? null : keys]);
    if (keys === "all") loaded.rows.clear();
    else for (const key of keys) loaded.rows.set(key, null);
    for (const row of rows) {
      if (typeof row.key !== "string" || typeof row.hash !== "string") {
        throw new StoreCorruptError(
          `${this.sql.schema}.${part === "tokenHashes" ? "token_hashes" : "password_hashes"}`,
          "a row is not text",
        );
      }
      loaded.rows.set(row.key, row.hash);
    }
    if (keys === "all") loaded.complete = true;
  }

  /**
   * The replica at config generation `target` or newer. From an older replica it
   * reads only the rows named by the notifications in between; without a replica,
   * or when a generation in between is not accounted for, the whole config. Every
   * row it then holds is at least as new as `target`.
   */
  private async readReplicaAt(target: bigint, queryable: Pool | PoolClient): Promise<ConfigReplica> {
    const current = this.replica;
    if (current !== null && current.generation >= target) return current;
    const names = current === null ? null : await this.listener.readConfigChangesBetween(current.generation, target);
    if (names !== null) {
      const { rows } = await queryable.query<Record<string, unknown>>(this.sql.readConfigRows, [names.users, names.tokens, names.acl]);
      const row = this.expectGenerationsRow(rows[0]);
      const read = parseGenerationsRow(row, this.generationsLocation());
      this.listener.observe(read);
      this.partialConfigReads += 1;
      // The rows are as of `read`, which is at least `target`: labelled `target`, they are never older than it says.
      return this.installReplica(target, parseConfigRows(row, this.sql.schema, names));
    }
    const { rows } = await queryable.query<Record<string, unknown>>(this.sql.readConfig);
    const row = this.expectGenerationsRow(rows[0]);
    const config = freezeConfig(parseConfigColumns(row, this.sql.schema));
    const read = parseGenerationsRow(row, this.generationsLocation());
    this.listener.observe(read);
    this.fullConfigReads += 1;
    const latest = this.replica;
    if (latest !== null && latest.generation >= read.config) return latest;
    this.replica = { generation: read.config, config };
    return this.replica;
  }

  /**
   * Applies the rows changed up to `generation` to the replica, unless a newer one
   * is already installed. Applied to whatever replica is current, not the one the
   * read started from: both are older than `generation`, and `changes` holds every
   * row that moved in between, as new as or newer than the current replica's.
   */
  private installReplica(generation: bigint, changes: Pick<DraftChanges, "users" | "tokens" | "acl">): ConfigReplica {
    const latest = this.replica;
    if (latest === null) throw new Error("installReplica: no replica to apply changes to");
    if (latest.generation >= generation) return latest;
    this.replica = { generation, config: applyConfigChanges(latest.config, changes) };
    return this.replica;
  }

  private async writeChanges(client: PoolClient, changes: StateChanges): Promise<void> {
    const { sql } = this;
    if (changes.deleteUsers.length > 0) await client.query(sql.deleteUsers, [changes.deleteUsers]);
    if (changes.upsertUsers.length > 0) await client.query(sql.upsertUsers, transpose(changes.upsertUsers, 9));
    if (changes.deleteTokens.length > 0) await client.query(sql.deleteTokens, [changes.deleteTokens]);
    if (changes.upsertTokens.length > 0) await client.query(sql.upsertTokens, transpose(changes.upsertTokens, 6));
    if (changes.deleteTokenHashes.length > 0) await client.query(sql.deleteTokenHashes, [changes.deleteTokenHashes]);
    if (changes.upsertTokenHashes.length > 0) {
      await client.query(sql.upsertTokenHashes, transpose(changes.upsertTokenHashes, 2));
    }
    if (changes.deletePasswordHashes.length > 0) {
      await client.query(sql.deletePasswordHashes, [changes.deletePasswordHashes]);
    }
    if (changes.upsertPasswordHashes.length > 0) {
      await client.query(sql.upsertPasswordHashes, transpose(changes.upsertPasswordHashes, 2));
    }
    if (changes.acl !== null) {
      await client.query(sql.clearAcl);
      if (changes.acl.length > 0) {
        const positions = changes.acl.map((_, index) => index);
        await client.query(sql.insertAcl, [positions, ...transpose(changes.acl, 4)]);
      }
    }
  }

  private async readKeys(): Promise<StoredKeys | null> {
    const { rows } = await this.pool.query<Record<string, unknown>>(this.sql.readKeys);
    const row = rows[0];
    if (row === undefined) return null;
    const location = `${this.sql.schema}.shared_keys`;
    const { ticket_private_key_pem: privatePem, ticket_public_key_pem: publicPem, csrf_key_base64: csrf } = row;
    if (typeof privatePem !== "string" || !privatePem.includes("PRIVATE KEY")) {
      throw new StoreCorruptError(location, "the ticket private key is not a PEM key");
    }
    if (typeof publicPem !== "string" || !publicPem.includes("PUBLIC KEY")) {
      throw new StoreCorruptError(location, "the ticket public key is not a PEM key");
    }
    if (typeof csrf !== "string" || Buffer.from(csrf, "base64").length !== 32) {
      throw new StoreCorruptError(location, "the CSRF key is not 32 bytes of base64");
    }
    return { ticketPrivateKeyPem: privatePem, ticketPublicKeyPem: publicPem, csrfKeyBase64: csrf };
  }

  private expectGenerationsRow(row: Record<string, unknown> | undefined): Record<string, unknown> {
    if (row === undefined) throw new StoreCorruptError(this.generationsLocation(), "the generations row is missing");
    return row;
  }

  private generationsLocation(): string {
    return `${this.sql.schema}.generations`;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("PostgresAccessStore: the store is closed");
  }
}

/** pg_notify refuses payloads of 8000 bytes or more; the rest of the payload needs about 150. */
const CHANGE_NOTICE_MAX_BYTES = 7000;

function listChangedTokenHashes(changes: StateChanges): string[] {
  return [...changes.upsertTokenHashes.map(([authid]) => authid), ...changes.deleteTokenHashes];
}

/** The config rows a draft changed, as a notification names them. */
function nameConfigChanges(changes: DraftChanges): ConfigChangeNames {
  return { users: [...changes.users.keys()], tokens: [...changes.tokens.keys()], acl: changes.acl !== null };
}

/**
 * The `changed` part of the notification: whether each generation moved and which
 * token hashes and config rows did (decisions 012 and 014). Names too long for one
 * notification are left out (null): every listener then treats all tokens as
 * changed, or reads the whole config.
 */
function formatChangeNotice(tokens: string[] | null, config: ConfigChangeNames | null): string {
  const secretsPart = tokens === null ? { secrets: false } : { secrets: true, tokens };
  const configPart = config === null ? { config: false } : { config };
  const full = JSON.stringify({ ...secretsPart, ...configPart });
  if (Buffer.byteLength(full) <= CHANGE_NOTICE_MAX_BYTES) return full;
  // The config names go first: a full config read costs less than re-hashing every cached token.
  const withoutConfigNames = JSON.stringify({ ...secretsPart, config: config === null ? false : null });
  if (Buffer.byteLength(withoutConfigNames) <= CHANGE_NOTICE_MAX_BYTES) return withoutConfigNames;
  return JSON.stringify({ secrets: tokens !== null, tokens: null, config: config === null ? false : null });
}

/** Audit events as the columns of insertAudit, each checked to hold no credential. */
function auditColumns(events: readonly AuditEvent[]): unknown[][] {
  const stored = events.map(toStorableAuditEvent);
  return [
    stored.map((e) => e.time),
    stored.map((e) => e.actor),
    stored.map((e) => e.source ?? null),
    stored.map((e) => e.action),
    stored.map((e) => e.target ?? null),
    stored.map((e) => e.outcome),
    stored.map((e) => e.requestId ?? null),
    stored.map((e) => e.detail ?? null),
  ];
}

function toAuditRecord(row: Record<string, unknown>): AuditRecord {
  const record: AuditRecord = {
    id: Number(row.id),
    time: Number(row.time),
    actor: String(row.actor),
    action: String(row.action),
    outcome: String(row.outcome) as AuditRecord["outcome"],
  };
  if (typeof row.source === "string") record.source = row.source;
  if (typeof row.target === "string") record.target = row.target;
  if (typeof row.request_id === "string") record.requestId = row.request_id;
  if (typeof row.detail === "string") record.detail = row.detail;
  return record;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Rows to per-column arrays, the shape `unnest($1::text[], ...)` takes. */
function transpose(rows: readonly (readonly unknown[])[], width: number): unknown[][] {
  const columns: unknown[][] = Array.from({ length: width }, () => []);
  for (const row of rows) for (let i = 0; i < width; i += 1) columns[i]?.push(row[i]);
  return columns;
}

function isPostgresError(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}

function generateStoredKeys(): StoredKeys {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519", {
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return { ticketPrivateKeyPem: privateKey, ticketPublicKeyPem: publicKey, csrfKeyBase64: randomBytes(32).toString("base64") };
}
