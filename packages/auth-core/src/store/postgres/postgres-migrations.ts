import { createHash } from "node:crypto";
import type { ClientBase, Pool } from "pg";
import { PostgresSchemaTooNewError } from "../../core/errors.js";
import { createPostgresSql } from "./postgres-sql.js";

/**
 * One schema change. Versions are applied in order, once each, and never edited
 * after release: a later change is a new version.
 */
export interface PostgresMigration {
  version: number;
  name: string;
  /** DDL for the schema, given as its quoted name. */
  statements: (quotedSchema: string) => string[];
}

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: "access tables, generation counters and shared keys",
    statements: (s) => [
      // One row, enforced by the boolean key: every mutation locks exactly this row.
      `CREATE TABLE ${s}.generations (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        secrets bigint NOT NULL DEFAULT 0,
        config bigint NOT NULL DEFAULT 0
      )`,
      `INSERT INTO ${s}.generations (id) VALUES (true)`,
      `CREATE TABLE ${s}.users (
        userid text PRIMARY KEY,
        enable boolean NOT NULL,
        expire bigint NOT NULL,
        comment text,
        firstname text,
        lastname text,
        email text
      )`,
      `CREATE TABLE ${s}.tokens (
        tokenid text PRIMARY KEY,
        enable boolean NOT NULL,
        expire bigint NOT NULL,
        comment text
      )`,
      `CREATE TABLE ${s}.token_hashes (authid text PRIMARY KEY, hash text NOT NULL)`,
      `CREATE TABLE ${s}.password_hashes (userid text PRIMARY KEY, hash text NOT NULL)`,
      // The ACL is a list as the API shows it; position keeps its order.
      `CREATE TABLE ${s}.acl (
        position integer PRIMARY KEY,
        path text NOT NULL,
        ugid text NOT NULL,
        roleid text NOT NULL CHECK (roleid IN ('Admin', 'Audit', 'NoAccess')),
        propagate boolean NOT NULL
      )`,
      `CREATE TABLE ${s}.shared_keys (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        ticket_private_key_pem text NOT NULL,
        ticket_public_key_pem text NOT NULL,
        csrf_key_base64 text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
  {
    version: 2,
    name: "per-user tickets-not-before time (issue 15, finding 7)",
    // 0 means no floor: users that existed before keep their tickets.
    statements: (s) => [`ALTER TABLE ${s}.users ADD COLUMN tickets_not_before bigint NOT NULL DEFAULT 0`],
  },
  {
    version: 3,
    name: "acl.roleid accepts the full PBS role catalogue (issue 11)",
    // Migration 1 allowed only Admin, Audit and NoAccess (PostgreSQL named that
    // column check acl_roleid_check). The list is written out, not derived from
    // roles.ts, because a released migration must never change; a role added later
    // needs a new migration, and postgres-migrations.test.ts fails until it exists.
    statements: (s) => [
      `ALTER TABLE ${s}.acl DROP CONSTRAINT IF EXISTS acl_roleid_check`,
      `ALTER TABLE ${s}.acl ADD CONSTRAINT acl_roleid_known CHECK (roleid IN (
        'Admin', 'Audit', 'NoAccess',
        'DatastoreAdmin', 'DatastoreReader', 'DatastoreBackup', 'DatastorePowerUser', 'DatastoreAudit',
        'RemoteAudit', 'RemoteAdmin', 'RemoteSyncOperator',
        'TapeAudit', 'TapeAdmin', 'TapeOperator', 'TapeReader'))`,
    ],
  },
  {
    version: 4,
    name: "second factors per user (issue 12)",
    // The record as jsonb: TOTP URIs (recoverable by design), WebAuthn public keys,
    // recovery-key argon2id hashes, lockout state. Only the Gatehouse role may read this schema.
    statements: (s) => [`CREATE TABLE ${s}.tfa_users (userid text PRIMARY KEY, data jsonb NOT NULL)`],
  },
  // Versions are applied by number, once each, and need not be contiguous: parallel
  // work reserves its own numbers (migrateLocked applies whatever is missing, in order).
  {
    version: 10,
    name: "created dates, rotation overlap and the audit log (issue 14)",
    statements: (s) => [
      // NULL: made before creation times were recorded.
      `ALTER TABLE ${s}.users ADD COLUMN created bigint`,
      `ALTER TABLE ${s}.tokens ADD COLUMN created bigint, ADD COLUMN previous_secret_until bigint`,
      `CREATE TABLE ${s}.audit (
        id bigserial PRIMARY KEY,
        time bigint NOT NULL,
        actor text NOT NULL,
        source text,
        action text NOT NULL,
        target text,
        outcome text NOT NULL,
        request_id text,
        detail text
      )`,
      `CREATE INDEX ON ${s}.audit (time)`,
      `CREATE INDEX ON ${s}.audit (actor, id)`,
      `CREATE INDEX ON ${s}.audit (target text_pattern_ops, id)`,
    ],
  },
  {
    version: 11,
    name: "last use of tokens and users (issue 14)",
    statements: (s) => [`CREATE TABLE ${s}.last_used (id text PRIMARY KEY, time bigint NOT NULL, source text)`],
  },
];

/**
 * Brings `schema` up to the latest migration. Safe when several nodes start at
 * once: everything runs in one transaction under a transaction-level advisory lock
 * keyed by the schema, so one node migrates and the others then find nothing to
 * do. A transaction-level lock (not a session lock) also works through a
 * transaction-pooling PgBouncer. Returns the versions it applied.
 */
export async function migratePostgresSchema(
  pool: Pool,
  schema: string,
  migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS,
): Promise<number[]> {
  const { quotedSchema } = createPostgresSql(schema);
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    try {
      const applied = await migrateLocked(client, schema, quotedSchema, migrations);
      await client.query("COMMIT");
      return applied;
    } catch (error) {
      await client.query("ROLLBACK").catch((rollbackError: unknown) => {
        broken = rollbackError instanceof Error ? rollbackError : new Error("rollback failed");
      });
      throw error;
    }
  } finally {
    client.release(broken);
  }
}

async function migrateLocked(
  client: ClientBase,
  schema: string,
  quotedSchema: string,
  migrations: readonly PostgresMigration[],
): Promise<number[]> {
  await client.query("SELECT pg_advisory_xact_lock($1::bigint)", [computeMigrationLockKey(schema)]);
  // Checked before creating: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when the schema exists.
  const existing = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
  if (existing.rowCount === 0) await client.query(`CREATE SCHEMA ${quotedSchema}`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${quotedSchema}.schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${quotedSchema}.schema_migrations`);
  const done = new Set(rows.map((row) => row.version));
  const latest = Math.max(0, ...migrations.map((m) => m.version));
  const newest = Math.max(0, ...done);
  // Running old code against a newer schema could write rows the new code does not expect.
  if (newest > latest) throw new PostgresSchemaTooNewError(schema, newest, latest);

  const applied: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(migration.version)) continue;
    for (const statement of migration.statements(quotedSchema)) await client.query(statement);
    await client.query(`INSERT INTO ${quotedSchema}.schema_migrations (version, name) VALUES ($1, $2)`, [
      migration.version,
      migration.name,
    ]);
    applied.push(migration.version);
  }
  return applied;
}

/** A stable signed 64-bit key per schema, so migrations of different schemas never wait on each other. */
export function computeMigrationLockKey(schema: string): string {
  return createHash("sha256").update(`gatehouse:migrate:${schema}`).digest().readBigInt64BE(0).toString();
}
