/**
 * The row-level mutation of the PostgreSQL backend (decision 014): one transaction
 * under the generation row lock that writes only the rows a change touched, bumps
 * the generations and notifies every node with the changed rows' names.
 */
import type { Pool, PoolClient } from "pg";
import { StoreCorruptError, StoreLockTimeoutError } from "../../core/errors.js";
import type { AccessConfig, AccessState } from "../../core/model.js";
import type { AuditEvent } from "../../core/audit.js";
import { auditColumns } from "./postgres-audit.js";
import type { ConfigChangeNames, PostgresGenerationListener } from "./postgres-listener.js";
import type { PostgresConfigReplica } from "./postgres-replica.js";
import { generationsLocation } from "./postgres-replica.js";
import type { Generations, StateChanges } from "./postgres-rows.js";
import { parseGenerationsRow, summarizeChanges, toStateChanges } from "./postgres-rows.js";
import type { PostgresSql } from "./postgres-sql.js";
import type { DraftChanges, HashPart, LoadedHashes } from "../state-draft.js";
import { createStateDraft, RowsNotLoaded } from "../state-draft.js";
import type { StoreVersions } from "../store.js";

/**
 * Bounds each statement of a mutation and each idle gap inside it: a node that
 * stalls mid-mutation must not hold the generation row, and so every other node's
 * mutations (and this node's queue), forever.
 */
const STATEMENT_TIMEOUT_MS = 30_000;
const PG_LOCK_NOT_AVAILABLE = "55P03";
/** A change that keeps asking for more hash rows one at a time gets all of them after this many rounds. */
const MAX_ROW_LOAD_ROUNDS = 16;
/** pg_notify refuses payloads of 8000 bytes or more; the rest of the payload needs about 150. */
const CHANGE_NOTICE_MAX_BYTES = 7000;

export class PostgresMutation {
  constructor(
    private readonly pool: Pool,
    private readonly listener: PostgresGenerationListener,
    private readonly sql: PostgresSql,
    private readonly lockTimeoutMs: number,
    private readonly replica: PostgresConfigReplica,
  ) {}

  /** Runs `change` in its own transaction on a pooled connection, recording `audit` with it. */
  async run<T>(change: (state: AccessState) => T, audit: readonly AuditEvent[]): Promise<{ result: T; versions: StoreVersions }> {
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
      locked = parseGenerationsRow(rows[0], generationsLocation(this.sql));
    } catch (error) {
      if (isPostgresError(error, PG_LOCK_NOT_AVAILABLE)) {
        throw new StoreLockTimeoutError(generationsLocation(this.sql), this.lockTimeoutMs, { cause: error });
      }
      throw error;
    }
    this.listener.observe(locked);
    // Under the lock nothing newer is committed, so a replica at the locked generation is exact.
    const base = await this.replica.readAt(locked.config, client);
    if (base.generation !== locked.config) {
      throw new StoreCorruptError(generationsLocation(this.sql), "the config generation moved while the row lock was held");
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
      generations = parseGenerationsRow(bumped.rows[0], generationsLocation(this.sql));
    }
    // In the mutation's own transaction: the record commits with the change or not at all.
    if (audit.length > 0) await client.query(this.sql.insertAudit, auditColumns(audit));
    await client.query("COMMIT");
    // Recorded only once committed: a rolled-back bump must leave no record for a generation another mutation will take.
    if (changed.secrets) this.listener.recordSecretChange(generations.secrets, listChangedTokenHashes(rows));
    if (changed.config) {
      this.listener.recordConfigChange(generations.config, nameConfigChanges(changes));
      this.replica.install(generations.config, changes);
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
}

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

/** Rows to per-column arrays, the shape `unnest($1::text[], ...)` takes. */
function transpose(rows: readonly (readonly unknown[])[], width: number): unknown[][] {
  const columns: unknown[][] = Array.from({ length: width }, () => []);
  for (const row of rows) for (let i = 0; i < width; i += 1) columns[i]?.push(row[i]);
  return columns;
}

function isPostgresError(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}
