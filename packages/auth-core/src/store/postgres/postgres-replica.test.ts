import { describe, expect, it } from "vitest";
import type { Pool } from "pg";
import type { PostgresGenerationListener } from "./postgres-listener.js";
import { PostgresConfigReplica } from "./postgres-replica.js";
import { createPostgresSql } from "./postgres-sql.js";

/** A queryable that answers the whole-config read with `generation`, once released, and counts the queries. */
function createFakeDatabase() {
  const sql = createPostgresSql("replica_test");
  let generation = 1;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const queries: string[] = [];
  const pool = {
    async query(text: string) {
      queries.push(text);
      const answered = String(generation);
      await gate;
      return {
        rows: [{ secrets: "1", config: answered, users: [], tokens: [], acl: [] }],
      };
    },
  };
  return {
    sql,
    queries,
    pool: pool as unknown as Pool,
    release: () => release(),
    /** Committed after the queries sent so far: only a later query sees it. */
    setGeneration(next: number) {
      generation = next;
    },
  };
}

const listener = {
  observe: () => ({ secrets: "s", config: "c" }),
  readConfigChangesBetween: () => Promise.resolve(null),
} as unknown as PostgresGenerationListener;

describe("PostgresConfigReplica", () => {
  it("callers that ask for the whole config while a read is in flight share it: one query, not one each", async () => {
    const db = createFakeDatabase();
    const replica = new PostgresConfigReplica(listener, db.sql);
    const reads = [replica.readAt(1n, db.pool), replica.readAt(1n, db.pool), replica.readAt(0n, db.pool)];
    await Promise.resolve();
    db.release();
    const [first, second, third] = await Promise.all(reads);
    expect(db.queries.filter((text) => text === db.sql.readConfig)).toHaveLength(1);
    expect(replica.fullConfigReads).toBe(1);
    expect(second).toBe(first);
    expect(third).toBe(first);
    expect(first?.generation).toBe(1n);
  });

  it("a caller that needs a newer generation than the shared read gave reads again, after it", async () => {
    const db = createFakeDatabase();
    const replica = new PostgresConfigReplica(listener, db.sql);
    const older = replica.readAt(1n, db.pool);
    // This caller saw generation 2 after the first read was sent: that read may not include it.
    const newer = replica.readAt(2n, db.pool);
    await Promise.resolve();
    db.setGeneration(2);
    db.release();
    expect((await older).generation).toBe(1n);
    expect((await newer).generation).toBe(2n);
    expect(replica.fullConfigReads).toBe(2);
  });
});
