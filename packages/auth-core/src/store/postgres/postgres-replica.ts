/**
 * This node's copy of the config (decision 014): read whole once, then brought
 * forward by reading only the rows the notifications since its generation named.
 */
import type { Pool, PoolClient } from "pg";
import { StoreCorruptError } from "../../core/errors.js";
import type { AccessConfig } from "../../core/model.js";
import type { PostgresGenerationListener } from "./postgres-listener.js";
import { parseConfigColumns, parseConfigRows, parseGenerationsRow } from "./postgres-rows.js";
import type { PostgresSql } from "./postgres-sql.js";
import type { DraftChanges } from "../state-draft.js";
import { freezeConfig } from "../state-draft.js";
import { layerConfigChanges, snapshotWholeRead } from "../config-layers.js";

/** The config as this node last read it, at a config generation: frozen and shared (decision 014). */
export interface ConfigReplica {
  generation: bigint;
  config: AccessConfig;
}

export class PostgresConfigReplica {
  /** Null until the first read; replaced (never edited) by newer ones only. */
  private replica: ConfigReplica | null = null;
  /** Full reads of the config since open, for tests and metrics: a change named in its notification needs none. */
  fullConfigReads = 0;
  partialConfigReads = 0;
  /** The whole-config read in flight, which callers that arrive meanwhile share. */
  private wholeRead: Promise<ConfigReplica> | null = null;

  constructor(
    private readonly listener: PostgresGenerationListener,
    private readonly sql: PostgresSql,
  ) {}

  /**
   * The replica at config generation `target` or newer. From an older replica it
   * reads only the rows named by the notifications in between; without a replica,
   * or when a generation in between is not accounted for, the whole config. Every
   * row it then holds is at least as new as `target`.
   */
  async readAt(target: bigint, queryable: Pool | PoolClient): Promise<ConfigReplica> {
    const current = this.replica;
    if (current !== null && current.generation >= target) return current;
    const names = current === null ? null : await this.listener.readConfigChangesBetween(current.generation, target);
    if (names !== null) {
      const { rows } = await queryable.query<Record<string, unknown>>(this.sql.readConfigRows, [names.users, names.tokens, names.acl]);
      const row = expectGenerationsRow(rows[0], this.sql);
      const read = parseGenerationsRow(row, generationsLocation(this.sql));
      this.listener.observe(read);
      this.partialConfigReads += 1;
      // The rows are as of `read`, which is at least `target`: labelled `target`, they are never older than it says.
      return this.install(target, parseConfigRows(row, this.sql.schema, names));
    }
    // A read already in flight is shared when it is new enough; one started before
    // `target` was seen may not be, and then this caller reads again, after it.
    const shared = await this.readWhole(queryable);
    if (shared.generation >= target) return shared;
    return await this.queryWhole(queryable);
  }

  /** The whole config, read once for every caller that asks while the read is in flight. */
  private readWhole(queryable: Pool | PoolClient): Promise<ConfigReplica> {
    if (this.wholeRead !== null) return this.wholeRead;
    const read = this.queryWhole(queryable).finally(() => {
      if (this.wholeRead === read) this.wholeRead = null;
    });
    this.wholeRead = read;
    return read;
  }

  private async queryWhole(queryable: Pool | PoolClient): Promise<ConfigReplica> {
    const { rows } = await queryable.query<Record<string, unknown>>(this.sql.readConfig);
    const row = expectGenerationsRow(rows[0], this.sql);
    const parsed = freezeConfig(parseConfigColumns(row, this.sql.schema));
    // The keys in the rows' order, which is the maps' order: so nothing enumerates 100,000 keys in one piece later.
    const config = snapshotWholeRead(parsed, { users: Object.keys(parsed.users), tokens: Object.keys(parsed.tokens) });
    const read = parseGenerationsRow(row, generationsLocation(this.sql));
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
  install(generation: bigint, changes: Pick<DraftChanges, "users" | "tokens" | "acl">): ConfigReplica {
    const latest = this.replica;
    if (latest === null) throw new Error("installReplica: no replica to apply changes to");
    if (latest.generation >= generation) return latest;
    // O(changes): the new snapshot layers the rows on the old one's maps (decision 037).
    this.replica = { generation, config: layerConfigChanges(latest.config, changes) };
    return this.replica;
  }
}

/** Where StoreCorruptError points for a bad generations row. */
export function generationsLocation(sql: PostgresSql): string {
  return `${sql.schema}.generations`;
}

/** A query's row that carries the generations columns, which every such query must return. */
export function expectGenerationsRow(row: Record<string, unknown> | undefined, sql: PostgresSql): Record<string, unknown> {
  if (row === undefined) throw new StoreCorruptError(generationsLocation(sql), "the generations row is missing");
  return row;
}
