/**
 * The second-factor stores (memory, file, PostgreSQL) under one contract: changes
 * are serialised across handles (two processes, two nodes), a failed change writes
 * nothing, an empty record disappears, and a damaged store is reported, never
 * replaced. Plus what only one backend has: the file's mode and atomic writes.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { StoreCorruptError } from "../core/errors.js";
import { migratePostgresSchema } from "../store/postgres/postgres-migrations.js";
import {
  createTestSchemaName,
  describeWithPostgres,
  dropTestSchema,
  probePostgres,
  runAdminQuery,
  TEST_DATABASE_URL,
} from "../test-support/postgres-test-database.js";
import { FileTfaStore, TFA_FILE } from "./tfa-file-store.js";
import { PostgresTfaStore } from "./tfa-postgres-store.js";
import { MemoryTfaStore, type TfaStore } from "./tfa-store.js";

const postgres = await probePostgres();
const NOW_S = 1_800_000_000;
const CONCURRENT_CHANGES = 20;

interface Backend {
  open(): TfaStore;
  cleanup(): Promise<void>;
}

function describeTfaStoreContract(name: string, create: () => Promise<Backend>): void {
  describe(`TfaStore contract: ${name}`, () => {
    const backends: Backend[] = [];
    afterEach(async () => {
      for (const backend of backends.splice(0)) await backend.cleanup();
    });
    async function openBackend(): Promise<Backend> {
      const backend = await create();
      backends.push(backend);
      return backend;
    }

    it("creates, reads and removes a user's record; a record with nothing in it is dropped", async () => {
      const store = (await openBackend()).open();
      expect(await store.readUser("alice@pbs")).toBeUndefined();
      const result = await store.updateUser("alice@pbs", NOW_S, (data) => {
        data["tfa-failures"] = 3;
        return "changed";
      });
      expect(result).toBe("changed");
      expect((await store.readUser("alice@pbs"))?.["tfa-failures"]).toBe(3);
      expect(Object.keys(await store.readAll())).toEqual(["alice@pbs"]);
      await store.updateUser("alice@pbs", NOW_S, (data) => {
        data["tfa-failures"] = 0;
      });
      expect(await store.readUser("alice@pbs")).toBeUndefined();
      await store.updateUser("bob@pbs", NOW_S, (data) => {
        data["totp-locked"] = true;
      });
      await store.removeUser("bob@pbs");
      expect(await store.readAll()).toEqual({});
    });

    it("a change that throws writes nothing", async () => {
      const store = (await openBackend()).open();
      await store.updateUser("alice@pbs", NOW_S, (data) => {
        data["tfa-failures"] = 1;
      });
      await expect(
        store.updateUser("alice@pbs", NOW_S, (data) => {
          data["tfa-failures"] = 99;
          throw new Error("refused");
        }),
      ).rejects.toThrow("refused");
      expect((await store.readUser("alice@pbs"))?.["tfa-failures"]).toBe(1);
    });

    it(`${CONCURRENT_CHANGES} concurrent changes through two handles are serialised: none is lost`, async () => {
      const backend = await openBackend();
      const handles = [backend.open(), backend.open()];
      await Promise.all(
        Array.from({ length: CONCURRENT_CHANGES }, (_, i) =>
          (handles[i % 2] as TfaStore).updateUser("alice@pbs", NOW_S, (data) => {
            data["tfa-failures"] += 1;
          }),
        ),
      );
      expect((await (handles[0] as TfaStore).readUser("alice@pbs"))?.["tfa-failures"]).toBe(CONCURRENT_CHANGES);
    });
  });
}

describeTfaStoreContract("memory", () => {
  const store = new MemoryTfaStore();
  return Promise.resolve({ open: () => store, cleanup: () => Promise.resolve() });
});

describeTfaStoreContract("file", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gatehouse-tfa-"));
  return { open: () => new FileTfaStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe("FileTfaStore", () => {
  let dir = "";
  afterEach(async () => {
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  it("keeps tfa.json at mode 0600, whatever the umask", async () => {
    dir = await mkdtemp(join(tmpdir(), "gatehouse-tfa-"));
    const previous = process.umask(0o000);
    try {
      await new FileTfaStore(dir).updateUser("alice@pbs", NOW_S, (data) => {
        data["totp-locked"] = true;
      });
    } finally {
      process.umask(previous);
    }
    expect((await stat(join(dir, TFA_FILE))).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(join(dir, TFA_FILE), "utf8"))).toEqual({ users: { "alice@pbs": { "totp-locked": true } } });
  });

  it("a damaged file is reported and left as it is", async () => {
    dir = await mkdtemp(join(tmpdir(), "gatehouse-tfa-"));
    for (const damaged of ["{not json", JSON.stringify({ users: { "alice@pbs": { totp: "nope" } } })]) {
      await writeFile(join(dir, TFA_FILE), damaged, { mode: 0o600 });
      const store = new FileTfaStore(dir);
      await expect(store.readUser("alice@pbs")).rejects.toBeInstanceOf(StoreCorruptError);
      await expect(store.updateUser("alice@pbs", NOW_S, () => undefined)).rejects.toBeInstanceOf(StoreCorruptError);
      expect(await readFile(join(dir, TFA_FILE), "utf8")).toBe(damaged);
    }
  });
});

describeWithPostgres(postgres, "PostgresTfaStore", () => {
  describeTfaStoreContract("postgres", async () => {
    const schema = createTestSchemaName();
    const pools: pg.Pool[] = [];
    const openPool = () => {
      const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 3 });
      pool.on("error", () => undefined);
      pools.push(pool);
      return pool;
    };
    await migratePostgresSchema(openPool(), schema);
    return {
      // Each handle has its own pool, as two nodes would.
      open: () => new PostgresTfaStore(openPool(), `"${schema}"`),
      cleanup: async () => {
        for (const pool of pools) await pool.end();
        await dropTestSchema(schema);
      },
    };
  });

  it("a damaged row is reported (migration 4 made the table)", async () => {
    const schema = createTestSchemaName();
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
    try {
      await migratePostgresSchema(pool, schema);
      await runAdminQuery(`INSERT INTO "${schema}".tfa_users (userid, data) VALUES ('alice@pbs', '{"totp": 5}'::jsonb)`);
      const store = new PostgresTfaStore(pool, `"${schema}"`);
      await expect(store.readUser("alice@pbs")).rejects.toBeInstanceOf(StoreCorruptError);
      await expect(store.readAll()).rejects.toBeInstanceOf(StoreCorruptError);
    } finally {
      await pool.end();
      await dropTestSchema(schema);
    }
  });
});
