/**
 * The PostgreSQL AccessStore: many bff nodes share one database, and a bump of a
 * generation on any node reaches every other node through NOTIFY. See
 * docs/decisions/003-postgres-generations.md for the connection layout. The facade
 * of the backend: the config replica (postgres-replica.ts), the mutation
 * (postgres-mutation.ts) and the audit table (postgres-audit.ts) live beside it.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import pg from "pg";
import type { ClientConfig, Pool } from "pg";
import { StoreCorruptError } from "../../core/errors.js";
import type { AccessConfig, AccessState } from "../../core/model.js";
import type { PostgresListenerEvent, PostgresListenerState, ReconnectBackoff } from "./postgres-listener.js";
import { PostgresGenerationListener } from "./postgres-listener.js";
import { migratePostgresSchema } from "./postgres-migrations.js";
import { PostgresAuditPruner, requireAuditRetentionDays } from "./postgres-audit-retention.js";
import { auditColumns, queryAuditPage } from "./postgres-audit.js";
import { PostgresMutation } from "./postgres-mutation.js";
import { expectGenerationsRow, generationsLocation, PostgresConfigReplica } from "./postgres-replica.js";
import { computeConfigDigest, parseGenerationsRow } from "./postgres-rows.js";
import type { PostgresSql } from "./postgres-sql.js";
import { createPostgresSql, DEFAULT_POSTGRES_SCHEMA } from "./postgres-sql.js";
import type { AccessStore, MutationOptions, SecretChanges, StoredKeys, StoreVersions } from "../store.js";
import { toStorableAuditEvent } from "../../core/audit.js";
import type { AuditEvent, AuditPage, AuditQuery } from "../../core/audit.js";
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
  private readonly replica: PostgresConfigReplica;
  private readonly mutation: PostgresMutation;

  /** Use openPostgresStore: the schema must be migrated and the listener started first. */
  constructor(
    private readonly pool: Pool,
    private readonly listener: PostgresGenerationListener,
    private readonly sql: PostgresSql,
    private readonly lockTimeoutMs: number,
    private readonly auditPruner: PostgresAuditPruner,
  ) {
    this.replica = new PostgresConfigReplica(listener, sql);
    this.mutation = new PostgresMutation(pool, listener, sql, lockTimeoutMs, this.replica);
  }

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
    const generations = parseGenerationsRow(rows[0], generationsLocation(this.sql));
    const versions = this.listener.observe(generations);
    const replica = await this.replica.readAt(generations.config, this.pool);
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
    return await this.mutation.run(change, audit);
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
    return await queryAuditPage(this.pool, `${this.sql.quotedSchema}.audit`, query);
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
      fullConfigReads: this.replica.fullConfigReads,
      partialConfigReads: this.replica.partialConfigReads,
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
    const queried = this.listener.observe(parseGenerationsRow(rows[0], generationsLocation(this.sql)));
    // If the listener came back during the query, its state already includes this read.
    return this.listener.currentVersions() ?? queried;
  }

  private async readHash(sqlText: string, key: string): Promise<string | undefined> {
    this.assertOpen();
    const { rows } = await this.pool.query<Record<string, unknown>>(sqlText, [key]);
    const row = expectGenerationsRow(rows[0], this.sql);
    // The generations come from the same snapshot as the hash; merging them keeps versions no older than the hash.
    this.listener.observe(parseGenerationsRow(row, generationsLocation(this.sql)));
    const hash = row.hash;
    if (hash === null || hash === undefined) return undefined;
    if (typeof hash !== "string") throw new StoreCorruptError(generationsLocation(this.sql), "a hash is not text");
    return hash;
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

  private assertOpen(): void {
    if (this.closed) throw new Error("PostgresAccessStore: the store is closed");
  }
}

function generateStoredKeys(): StoredKeys {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519", {
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return { ticketPrivateKeyPem: privateKey, ticketPublicKeyPem: publicKey, csrfKeyBase64: randomBytes(32).toString("base64") };
}
