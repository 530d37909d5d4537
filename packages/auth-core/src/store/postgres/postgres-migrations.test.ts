import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { PostgresSchemaTooNewError } from "../../core/errors.js";
import { computeMigrationLockKey, migratePostgresSchema, POSTGRES_MIGRATIONS } from "./postgres-migrations.js";
import type { PostgresMigration } from "./postgres-migrations.js";
import { openPostgresStore } from "./postgres-store.js";
import { ROLE_IDS } from "../../core/roles.js";
import {
  createTestSchemaName,
  describeWithPostgres,
  dropTestSchema,
  probePostgres,
  runAdminQuery,
  TEST_DATABASE_URL,
} from "../../test-support/postgres-test-database.js";

const postgres = await probePostgres();
const ALL_VERSIONS = POSTGRES_MIGRATIONS.map((migration) => migration.version);
const LATEST_VERSION = Math.max(...ALL_VERSIONS);

describe("computeMigrationLockKey", () => {
  it("is stable for one schema and differs between schemas", () => {
    expect(computeMigrationLockKey("gatehouse")).toBe(computeMigrationLockKey("gatehouse"));
    expect(computeMigrationLockKey("gatehouse")).not.toBe(computeMigrationLockKey("gatehouse_b"));
  });

  it("fits a signed 64-bit advisory lock key", () => {
    const key = BigInt(computeMigrationLockKey("gatehouse"));
    expect(key >= -(2n ** 63n) && key < 2n ** 63n).toBe(true);
  });
});

describe("POSTGRES_MIGRATIONS", () => {
  // Versions are handed out to parallel work, so one may land before a lower one: gaps are allowed.
  it("have unique, increasing versions starting at 1", () => {
    const versions = POSTGRES_MIGRATIONS.map((m) => m.version);
    expect(versions[0]).toBe(1);
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
  });
});

describeWithPostgres(postgres, "PostgreSQL migrations", () => {
  const schemas: string[] = [];
  const pools: pg.Pool[] = [];

  afterEach(async () => {
    for (const pool of pools.splice(0)) await pool.end();
    for (const schema of schemas.splice(0)) await dropTestSchema(schema);
  });

  function freshSchema(): string {
    const schema = createTestSchemaName();
    schemas.push(schema);
    return schema;
  }

  function openPool(): pg.Pool {
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
    pool.on("error", () => undefined);
    pools.push(pool);
    return pool;
  }

  async function countRows(schema: string, table: string): Promise<number> {
    const [row] = await runAdminQuery<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".${table}`);
    return row?.n ?? -1;
  }

  it("a second run applies nothing and changes nothing", async () => {
    const schema = freshSchema();
    const pool = openPool();
    expect(await migratePostgresSchema(pool, schema)).toEqual(ALL_VERSIONS);
    await runAdminQuery(`UPDATE "${schema}".generations SET secrets = 7`);
    expect(await migratePostgresSchema(pool, schema)).toEqual([]);
    expect(await countRows(schema, "schema_migrations")).toBe(ALL_VERSIONS.length);
    const [generations] = await runAdminQuery(`SELECT secrets::int, config::int FROM "${schema}".generations`);
    expect(generations).toEqual({ secrets: 7, config: 0 });
  });

  it("eight nodes migrating one fresh schema at once all succeed and the migration applies once", async () => {
    const schema = freshSchema();
    const results = await Promise.all(Array.from({ length: 8 }, () => migratePostgresSchema(openPool(), schema)));
    expect(results.flat()).toEqual(ALL_VERSIONS);
    expect(await countRows(schema, "schema_migrations")).toBe(ALL_VERSIONS.length);
    expect(await countRows(schema, "generations")).toBe(1);
  });

  it("two stores opening one fresh schema at once both start and share the data", async () => {
    const schema = freshSchema();
    const [a, b] = await Promise.all([
      openPostgresStore({ connectionString: TEST_DATABASE_URL, schema, poolSize: 2 }),
      openPostgresStore({ connectionString: TEST_DATABASE_URL, schema, poolSize: 2 }),
    ]);
    try {
      await a.mutate((state) => {
        state.config.users["alice@pbs"] = { userid: "alice@pbs", enable: true, expire: 0 };
      });
      expect(Object.keys((await b.readConfig()).config.users)).toEqual(["alice@pbs"]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("a later migration is applied on top of an existing schema, once", async () => {
    const schema = freshSchema();
    const pool = openPool();
    await migratePostgresSchema(pool, schema);
    const next: PostgresMigration = {
      version: LATEST_VERSION + 1,
      name: "test column",
      statements: (s) => [`ALTER TABLE ${s}.users ADD COLUMN note text`],
    };
    const migrations = [...POSTGRES_MIGRATIONS, next];
    expect(await migratePostgresSchema(pool, schema, migrations)).toEqual([LATEST_VERSION + 1]);
    expect(await migratePostgresSchema(pool, schema, migrations)).toEqual([]);
    const columns = await runAdminQuery(
      "SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'users' AND column_name = 'note'",
      [schema],
    );
    expect(columns).toHaveLength(1);
  });

  it("a lower version that lands after a higher one is still applied, once (versions are handed out in parallel)", async () => {
    const schema = freshSchema();
    const pool = openPool();
    const gap: PostgresMigration = {
      version: LATEST_VERSION + 2,
      name: "gap top",
      statements: (s) => [`CREATE TABLE ${s}.gap_top (x int)`],
    };
    const filler: PostgresMigration = {
      version: LATEST_VERSION + 1,
      name: "gap filler",
      statements: (s) => [`CREATE TABLE ${s}.gap_filler (x int)`],
    };
    await migratePostgresSchema(pool, schema, [...POSTGRES_MIGRATIONS, gap]);
    expect(await migratePostgresSchema(pool, schema, [...POSTGRES_MIGRATIONS, filler, gap])).toEqual([LATEST_VERSION + 1]);
    expect(await migratePostgresSchema(pool, schema, [...POSTGRES_MIGRATIONS, filler, gap])).toEqual([]);
    expect(await countRows(schema, "gap_filler")).toBe(0);
  });

  it("versions listed out of order apply in numeric order", async () => {
    const schema = freshSchema();
    const pool = openPool();
    const base = POSTGRES_MIGRATIONS.filter((migration) => migration.version <= 2);
    const high: PostgresMigration = {
      version: LATEST_VERSION + 20,
      name: "needs the middle one's table",
      statements: (s) => [`ALTER TABLE ${s}.gap_test ADD COLUMN b int`],
    };
    const middle: PostgresMigration = {
      version: LATEST_VERSION + 10,
      name: "gap table",
      statements: (s) => [`CREATE TABLE ${s}.gap_test (a int)`],
    };
    // Listed out of order: the runner sorts, so the table exists before the column is added.
    expect(await migratePostgresSchema(pool, schema, [...base, high, middle])).toEqual([1, 2, LATEST_VERSION + 10, LATEST_VERSION + 20]);
    // A number below the newest applied one, arriving later (another branch's migration), is applied once.
    const late: PostgresMigration = {
      version: LATEST_VERSION + 15,
      name: "late",
      statements: (s) => [`CREATE TABLE ${s}.late_test (a int)`],
    };
    expect(await migratePostgresSchema(pool, schema, [...base, middle, late, high])).toEqual([LATEST_VERSION + 15]);
    expect(await migratePostgresSchema(pool, schema, [...base, middle, late, high])).toEqual([]);
  });

  it("a failing migration leaves nothing behind", async () => {
    const schema = freshSchema();
    const broken: PostgresMigration = {
      version: LATEST_VERSION + 1,
      name: "broken",
      statements: (s) => [`CREATE TABLE ${s}.half_done (x int)`, "SELECT no_such_function()"],
    };
    await expect(migratePostgresSchema(openPool(), schema, [...POSTGRES_MIGRATIONS, broken])).rejects.toThrow(/no_such_function/);
    const exists = await runAdminQuery("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
    expect(exists).toHaveLength(0);
  });

  it("migration 3: an ACL with roles beyond Admin/Audit/NoAccess is stored, also on a schema made by migrations 1-2", async () => {
    const schema = freshSchema();
    // The schema as a release before migration 3 left it, with its three-role check.
    await migratePostgresSchema(
      openPool(),
      schema,
      POSTGRES_MIGRATIONS.filter((m) => m.version < 3),
    );
    await expect(
      runAdminQuery(`INSERT INTO "${schema}".acl (position, path, ugid, roleid, propagate) VALUES (0, '/', 'a@pbs', 'RemoteAudit', true)`),
    ).rejects.toThrow(/acl_roleid_check/);

    const store = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema, poolSize: 2 });
    try {
      const acl = [
        { path: "/datastore/store1", ugid: "alice@pbs", roleid: "DatastoreAdmin" as const, propagate: true },
        { path: "/remote/r1", ugid: "alice@pbs", roleid: "RemoteAudit" as const, propagate: false },
      ];
      await store.mutate((state) => {
        state.config.users["alice@pbs"] = { userid: "alice@pbs", enable: true, expire: 0 };
        state.config.acl.push(...acl);
      });
      expect((await store.readConfig()).config.acl).toEqual(acl);
    } finally {
      await store.close();
    }
  });

  it("the database accepts every role of the catalogue and refuses any other (a new role needs a migration)", async () => {
    const schema = freshSchema();
    await migratePostgresSchema(openPool(), schema);
    for (const [position, roleid] of ROLE_IDS.entries()) {
      await runAdminQuery(`INSERT INTO "${schema}".acl (position, path, ugid, roleid, propagate) VALUES ($1, '/', 'a@pbs', $2, true)`, [
        position,
        roleid,
      ]);
    }
    expect(await countRows(schema, "acl")).toBe(ROLE_IDS.length);
    await expect(
      runAdminQuery(`INSERT INTO "${schema}".acl (position, path, ugid, roleid, propagate) VALUES (99, '/', 'a@pbs', 'Superuser', true)`),
    ).rejects.toThrow(/acl_roleid_known/);
  });

  it("a schema migrated by a newer build is refused", async () => {
    const schema = freshSchema();
    const pool = openPool();
    await migratePostgresSchema(pool, schema);
    await runAdminQuery(`INSERT INTO "${schema}".schema_migrations (version, name) VALUES (99, 'from the future')`);
    const failure = migratePostgresSchema(pool, schema);
    await expect(failure).rejects.toBeInstanceOf(PostgresSchemaTooNewError);
    await expect(failure).rejects.toMatchObject({ databaseVersion: 99, supportedVersion: LATEST_VERSION });
  });
});
