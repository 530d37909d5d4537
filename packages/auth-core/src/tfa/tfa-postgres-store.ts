/**
 * The PostgreSQL backend of the second factors: one row per user in `tfa_users`
 * (migration 4), the record as jsonb. A change locks the user's row for its
 * transaction, so two nodes answering the same user's second step take turns and
 * a TOTP step or a recovery key is accepted once across the cluster.
 */
import type { Pool, PoolClient } from "pg";
import { StoreCorruptError } from "../core/errors.js";
import { compactTfaUserData, tfaUserDataSchema, type TfaUserData } from "./tfa-model.js";
import { applyTfaChange, type TfaStore } from "./tfa-store.js";

/** A change holds one row for milliseconds; waiting longer than this means something is stuck. */
const ROW_LOCK_TIMEOUT = "10s";

export class PostgresTfaStore implements TfaStore {
  constructor(
    private readonly pool: Pool,
    private readonly quotedSchema: string,
  ) {}

  async readUser(userid: string): Promise<TfaUserData | undefined> {
    const { rows } = await this.pool.query<{ data: unknown }>(`SELECT data FROM ${this.quotedSchema}.tfa_users WHERE userid = $1`, [
      userid,
    ]);
    const row = rows[0];
    return row === undefined ? undefined : this.parseRow(userid, row.data);
  }

  async readAll(): Promise<Record<string, TfaUserData>> {
    const { rows } = await this.pool.query<{ userid: string; data: unknown }>(
      `SELECT userid, data FROM ${this.quotedSchema}.tfa_users ORDER BY userid`,
    );
    const out: Record<string, TfaUserData> = {};
    for (const row of rows) out[row.userid] = this.parseRow(row.userid, row.data);
    return out;
  }

  updateUser<T>(userid: string, nowS: number, change: (data: TfaUserData) => T): Promise<T> {
    return this.inTransaction(async (client) => {
      // Creating the row first gives every change, even the first one, a row to lock.
      await client.query(
        `INSERT INTO ${this.quotedSchema}.tfa_users (userid, data) VALUES ($1, '{}'::jsonb) ON CONFLICT (userid) DO NOTHING`,
        [userid],
      );
      const { rows } = await client.query<{ data: unknown }>(
        `SELECT data FROM ${this.quotedSchema}.tfa_users WHERE userid = $1 FOR UPDATE`,
        [userid],
      );
      const current = rows[0] === undefined ? undefined : this.parseRow(userid, rows[0].data);
      const { result, next } = applyTfaChange(current, nowS, change);
      if (next === null) await client.query(`DELETE FROM ${this.quotedSchema}.tfa_users WHERE userid = $1`, [userid]);
      else {
        await client.query(`UPDATE ${this.quotedSchema}.tfa_users SET data = $2::jsonb WHERE userid = $1`, [
          userid,
          JSON.stringify(compactTfaUserData(next)),
        ]);
      }
      return result;
    });
  }

  async removeUser(userid: string): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.quotedSchema}.tfa_users WHERE userid = $1`, [userid]);
  }

  /** The pool belongs to the access store, which closes it. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  private parseRow(userid: string, data: unknown): TfaUserData {
    const parsed = tfaUserDataSchema.safeParse(data);
    if (!parsed.success) throw new StoreCorruptError(`tfa_users row ${userid}`, parsed.error.issues[0]?.message ?? "unexpected shape");
    return parsed.data;
  }

  private async inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      try {
        await client.query(`SET LOCAL lock_timeout = '${ROW_LOCK_TIMEOUT}'`);
        const result = await work(client);
        await client.query("COMMIT");
        return result;
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
}
