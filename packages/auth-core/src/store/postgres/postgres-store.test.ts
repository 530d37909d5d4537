import { afterEach, describe, expect, it } from "vitest";
import { StoreCorruptError, StoreLockTimeoutError } from "../../core/errors.js";
import type { PostgresStoreOptions } from "./postgres-store.js";
import { openPostgresStore } from "./postgres-store.js";
import type { PostgresAccessStore } from "./postgres-store.js";
import type { StoreVersions } from "../store.js";
import { describeAccessStoreContract } from "../../test-support/store-contract.js";
import {
  createTestSchemaName,
  describeWithPostgres,
  dropTestSchema,
  probePostgres,
  runAdminQuery,
  TEST_DATABASE_URL,
} from "../../test-support/postgres-test-database.js";

const postgres = await probePostgres();

/** Small pools: several suites and engineers share one server with max_connections = 100. */
const POOL_SIZE = 4;
const WAIT_MS = 5_000;

function openNode(schema: string, options: Partial<PostgresStoreOptions> = {}): Promise<PostgresAccessStore> {
  return openPostgresStore({ connectionString: TEST_DATABASE_URL, schema, poolSize: POOL_SIZE, ...options });
}

/** The generation part of a version string: comparable across nodes, whose epochs differ. */
function generationOf(version: string): string {
  return version.slice(version.lastIndexOf(":") + 1);
}

/** Resolves with the first pushed versions that satisfy `accept`; rejects after WAIT_MS. */
function waitForPush(store: PostgresAccessStore, accept: (v: StoreVersions) => boolean): Promise<StoreVersions> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`no matching version push within ${WAIT_MS} ms`));
    }, WAIT_MS);
    const unsubscribe = store.subscribe((versions) => {
      if (!accept(versions)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(versions);
    });
  });
}

describeWithPostgres(postgres, "PostgreSQL AccessStore", () => {
  describeAccessStoreContract("postgres", async () => {
    const schema = createTestSchemaName();
    const store = await openNode(schema);
    return {
      store,
      cleanup: async () => {
        await store.close();
        await dropTestSchema(schema);
      },
      openAnother: () => openNode(schema),
    };
  });

  describe("PostgreSQL-specific behaviour", () => {
    const schemas: string[] = [];
    const stores: PostgresAccessStore[] = [];

    afterEach(async () => {
      for (const store of stores.splice(0).reverse()) await store.close();
      for (const schema of schemas.splice(0)) await dropTestSchema(schema);
    });

    async function openNodes(count: number, options: Partial<PostgresStoreOptions>[] = []): Promise<PostgresAccessStore[]> {
      const schema = createTestSchemaName();
      schemas.push(schema);
      const opened: PostgresAccessStore[] = [];
      for (let i = 0; i < count; i += 1) {
        const store = await openNode(schema, options[i] ?? {});
        stores.push(store);
        opened.push(store);
      }
      return opened;
    }

    function schemaOfTest(): string {
      const schema = schemas[schemas.length - 1];
      if (schema === undefined) throw new Error("no schema opened");
      return schema;
    }

    it("a mutation on one node reaches the other node by NOTIFY, with no query per readVersions", async () => {
      const [a, b] = await openNodes(2);
      if (!a || !b) throw new Error("nodes missing");
      const before = b.readVersions();
      expect(before).not.toBeInstanceOf(Promise);
      const pushed = waitForPush(b, (v) => generationOf(v.secrets) === "1");

      const { versions } = await a.mutate((state) => {
        state.tokenHashes["alice@pbs!ci"] = "hash-one";
      });
      const seen = await pushed;

      expect(generationOf(seen.secrets)).toBe(generationOf(versions.secrets));
      const now = b.readVersions();
      expect(now).not.toBeInstanceOf(Promise);
      expect(now).toEqual(seen);
      expect((now as StoreVersions).config).toBe((before as StoreVersions).config);
      expect(b.readStats()).toMatchObject({ connected: true, fallbackVersionQueries: 0 });
    });

    it("with the listener killed, readVersions queries the row, sees a concurrent mutation at once, and the reconnect changes the versions", async () => {
      // A long first backoff keeps the outage open while the test acts in it.
      const [a, b] = await openNodes(2, [{}, { reconnectBackoff: { initialDelayMs: 2_000, maxDelayMs: 4_000 } }]);
      if (!a || !b) throw new Error("nodes missing");
      const healthy = b.readVersions() as StoreVersions;
      const { backendPid, epoch } = b.readStats();
      expect(backendPid).toBeGreaterThan(0);

      const [terminated] = await runAdminQuery<{ ok: boolean }>("SELECT pg_terminate_backend($1) AS ok", [backendPid]);
      expect(terminated?.ok).toBe(true);
      await expect.poll(() => b.readStats().connected, { timeout: WAIT_MS }).toBe(false);

      const { versions: written } = await a.mutate((state) => {
        state.config.users["alice@pbs"] = { userid: "alice@pbs", enable: false, expire: 0 };
      });
      const during = b.readVersions();
      expect(during).toBeInstanceOf(Promise);
      const duringVersions = await during;
      expect(generationOf(duringVersions.config)).toBe(generationOf(written.config));
      expect(duringVersions.config).not.toBe(healthy.config);
      expect(b.readStats().fallbackVersionQueries).toBe(1);

      const reconnectPush = waitForPush(b, () => b.readStats().connected);
      await expect.poll(() => b.readStats().connected, { timeout: WAIT_MS }).toBe(true);
      const afterReconnect = b.readVersions();
      expect(afterReconnect).not.toBeInstanceOf(Promise);
      expect(await reconnectPush).toEqual(afterReconnect);
      const stats = b.readStats();
      expect(stats).toMatchObject({ connected: true, reconnects: 1, epoch: epoch + 1, fallbackVersionQueries: 1 });
      expect(stats.backendPid).not.toBe(backendPid);
      // Same generations as during the outage, but a new epoch: caches from before the reconnect are flushed.
      expect((afterReconnect as StoreVersions).config).not.toBe(duringVersions.config);
      expect((afterReconnect as StoreVersions).secrets).not.toBe(duringVersions.secrets);
      expect(generationOf((afterReconnect as StoreVersions).config)).toBe(generationOf(written.config));

      // Notifications flow again on the new session.
      const pushed = waitForPush(b, (v) => generationOf(v.secrets) === "1");
      await a.mutate((state) => {
        state.tokenHashes["alice@pbs!ci"] = "hash-one";
      });
      await pushed;
      expect(b.readStats().fallbackVersionQueries).toBe(1);
    });

    /** Kills the node's LISTEN session and waits until the node knows; the node's backoff must outlast the test. */
    async function takeListenerDown(node: PostgresAccessStore): Promise<void> {
      const [terminated] = await runAdminQuery<{ ok: boolean }>("SELECT pg_terminate_backend($1) AS ok", [node.readStats().backendPid]);
      expect(terminated?.ok).toBe(true);
      await expect.poll(() => node.readStats().connected, { timeout: WAIT_MS }).toBe(false);
    }

    const LONG_OUTAGE: Partial<PostgresStoreOptions> = { reconnectBackoff: { initialDelayMs: 10_000, maxDelayMs: 20_000 } };

    it("with the listener down, concurrent readVersions calls share one query, and a call after a mutation sees it", async () => {
      const [a, b] = await openNodes(2, [{}, LONG_OUTAGE]);
      if (!a || !b) throw new Error("nodes missing");
      await takeListenerDown(b);

      const calls = Array.from({ length: 50 }, () => b.readVersions());
      const [shared] = calls;
      expect(shared).toBeInstanceOf(Promise);
      expect(new Set(calls).size).toBe(1);
      const answer = await shared;
      expect(b.readStats().fallbackVersionQueries).toBe(1);

      // The settled query is not reused: the next call queries again and sees another node's mutation.
      const { versions: remote } = await a.mutate((state) => {
        state.config.users["alice@pbs"] = { userid: "alice@pbs", enable: true, expire: 0 };
      });
      const afterRemote = await b.readVersions();
      expect(generationOf(afterRemote.config)).toBe(generationOf(remote.config));
      expect(afterRemote.config).not.toBe(answer?.config);
      expect(b.readStats().fallbackVersionQueries).toBe(2);

      const { versions: own } = await b.mutate((state) => {
        state.tokenHashes["alice@pbs!ci"] = "hash-one";
      });
      const afterOwn = await b.readVersions();
      expect(afterOwn).toEqual(own);
      expect(b.readStats().fallbackVersionQueries).toBe(3);
    });

    it("with the listener down, a readVersions call made while a query is in flight waits for a query sent after it", async () => {
      const [b] = await openNodes(1, [LONG_OUTAGE]);
      if (!b) throw new Error("node missing");
      await takeListenerDown(b);
      const schema = schemaOfTest();
      const pg = await import("pg");
      const holder = new pg.default.Client({ connectionString: TEST_DATABASE_URL });
      await holder.connect();
      try {
        // The exclusive lock keeps the first query waiting inside PostgreSQL, so the test acts while it is in flight.
        await holder.query(`BEGIN; LOCK TABLE "${schema}".generations IN ACCESS EXCLUSIVE MODE`);
        const first = b.readVersions();
        await expect
          .poll(
            async () =>
              (await runAdminQuery("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND position($1 IN query) > 0", [schema]))
                .length,
            { timeout: WAIT_MS },
          )
          .toBe(1);
        await holder.query(`UPDATE "${schema}".generations SET config = config + 1`);

        const second = b.readVersions();
        const third = b.readVersions();
        expect(second).not.toBe(first);
        expect(third).toBe(second);
        expect(b.readStats().fallbackVersionQueries).toBe(1);

        await holder.query("COMMIT");
        const [, seen] = await Promise.all([first, second]);
        expect(generationOf(seen.config)).toBe("1");
        expect(b.readStats().fallbackVersionQueries).toBe(2);
      } finally {
        await holder.end();
      }
    });

    it("the heartbeat notices a generation bump that came without a notification and moves the epoch", async () => {
      const [b] = await openNodes(1, [{ heartbeatIntervalMs: 50, heartbeatTimeoutMs: 2_000 }]);
      if (!b) throw new Error("node missing");
      const before = b.readVersions() as StoreVersions;
      const { epoch } = b.readStats();
      await runAdminQuery(`UPDATE "${schemaOfTest()}".generations SET secrets = secrets + 1`);
      await expect.poll(() => (b.readVersions() as StoreVersions).secrets, { timeout: WAIT_MS }).not.toBe(before.secrets);
      const after = b.readVersions() as StoreVersions;
      expect(generationOf(after.secrets)).toBe("1");
      expect(after.config).not.toBe(before.config);
      expect(b.readStats().epoch).toBe(epoch + 1);
    });

    describe("row-level mutations and catch-up (decision 014)", () => {
      const seedUsers = (count: number, prefix = "seed") =>
        Object.fromEntries(
          Array.from({ length: count }, (_, i) => {
            const userid = `${prefix}${String(i).padStart(5, "0")}@pbs`;
            return [userid, { userid, enable: true, expire: 0 }];
          }),
        );

      it("a token create on one node is read by the other as its named rows only, and neither reads the whole config again", async () => {
        const [a, b] = await openNodes(2);
        if (!a || !b) throw new Error("nodes missing");
        await a.mutate((state) => {
          Object.assign(state.config.users, seedUsers(300));
        });
        expect(Object.keys((await b.readConfig()).config.users)).toHaveLength(300);
        const fullReadsA = a.readStats().fullConfigReads;
        const fullReadsB = b.readStats().fullConfigReads;

        for (let i = 0; i < 5; i += 1) {
          await a.mutate((state) => {
            state.config.tokens[`seed00007@pbs!t${i}`] = { tokenid: `seed00007@pbs!t${i}`, enable: true, expire: 0 };
            state.tokenHashes[`seed00007@pbs!t${i}`] = `hash-${i}`;
          });
          const { config } = await b.readConfig();
          expect(config.tokens[`seed00007@pbs!t${i}`]).toEqual({ tokenid: `seed00007@pbs!t${i}`, enable: true, expire: 0 });
          expect(Object.keys(config.users)).toHaveLength(300);
        }
        await b.mutate((state) => {
          const user = state.config.users["seed00009@pbs"];
          if (user) user.comment = "from b";
        });
        expect((await a.readConfig()).config.users["seed00009@pbs"]?.comment).toBe("from b");

        expect(a.readStats().fullConfigReads).toBe(fullReadsA);
        expect(b.readStats().fullConfigReads).toBe(fullReadsB);
        expect(b.readStats().partialConfigReads).toBeGreaterThanOrEqual(5);
        expect(await b.readTokenHash("seed00007@pbs!t4")).toBe("hash-4");
      });

      it("a change whose notification never came is still seen: the node reads the whole config instead of trusting its replica", async () => {
        const [a, b] = await openNodes(2);
        if (!a || !b) throw new Error("nodes missing");
        await a.mutate((state) => {
          Object.assign(state.config.users, seedUsers(3));
        });
        await b.readConfig();
        const fullReads = b.readStats().fullConfigReads;
        // A writer that bumps without a notification (or one that was lost).
        const schema = schemaOfTest();
        await runAdminQuery(`INSERT INTO "${schema}".users (userid, enable, expire) VALUES ('ghost@pbs', true, 0)`);
        await runAdminQuery(`UPDATE "${schema}".generations SET config = config + 1`);
        expect((await b.readConfig()).config.users["ghost@pbs"]).toEqual({ userid: "ghost@pbs", enable: true, expire: 0 });
        expect(b.readStats().fullConfigReads).toBe(fullReads + 1);
        // A mutation on top of it builds on the full read, so nothing is lost.
        await b.mutate((state) => {
          state.config.users["after@pbs"] = { userid: "after@pbs", enable: true, expire: 0 };
        });
        expect(Object.keys((await a.readConfig()).config.users).sort()).toEqual([
          "after@pbs",
          "ghost@pbs",
          "seed00000@pbs",
          "seed00001@pbs",
          "seed00002@pbs",
        ]);
      });

      it("a change too large to name in one notification makes the other node read the whole config", async () => {
        const [a, b] = await openNodes(2);
        if (!a || !b) throw new Error("nodes missing");
        await b.readConfig();
        const fullReads = b.readStats().fullConfigReads;
        // 600 ids of about 20 bytes do not fit the 7000 bytes a notification may name.
        await a.mutate((state) => {
          Object.assign(state.config.users, seedUsers(600, "many"));
        });
        expect(Object.keys((await b.readConfig()).config.users)).toHaveLength(600);
        expect(b.readStats().fullConfigReads).toBe(fullReads + 1);
      });

      it("a change may read hash rows: they are loaded under the lock and the change runs again on a fresh draft", async () => {
        const [a] = await openNodes(1);
        if (!a) throw new Error("node missing");
        await a.mutate((state) => {
          state.config.users["alice@pbs"] = { userid: "alice@pbs", enable: true, expire: 0 };
          state.passwordHashes["alice@pbs"] = "old-hash";
          state.tokenHashes["alice@pbs!one"] = "token-hash";
        });
        let runs = 0;
        const { result } = await a.mutate((state) => {
          runs += 1;
          const seen = state.passwordHashes["alice@pbs"];
          if (seen === "old-hash") state.passwordHashes["alice@pbs"] = "new-hash";
          delete state.tokenHashes["alice@pbs!one"];
          return { seen, missing: Object.hasOwn(state.tokenHashes, "alice@pbs!none") };
        });
        expect(result).toEqual({ seen: "old-hash", missing: false });
        expect(runs).toBeGreaterThan(1);
        expect(await a.readPasswordHash("alice@pbs")).toBe("new-hash");
        expect(await a.readTokenHash("alice@pbs!one")).toBeUndefined();
      });
    });

    it("500 concurrent creates from two nodes all land exactly once", async () => {
      const [a, b] = await openNodes(2);
      if (!a || !b) throw new Error("nodes missing");
      const perNode = 250;
      const create = (node: PostgresAccessStore, who: string, i: number) =>
        node.mutate((state) => {
          const userid = `${who}${i}@pbs`;
          state.config.users[userid] = { userid, enable: true, expire: 0 };
          state.tokenHashes[`${userid}!t`] = `hash-${who}-${i}`;
          return userid;
        });
      const results = await Promise.all([
        ...Array.from({ length: perNode }, (_, i) => create(a, "a", i)),
        ...Array.from({ length: perNode }, (_, i) => create(b, "b", i)),
      ]);

      expect(new Set(results.map((r) => r.result)).size).toBe(2 * perNode);
      const { config } = await a.readConfig();
      expect(Object.keys(config.users)).toHaveLength(2 * perNode);
      const schema = schemaOfTest();
      const [counts] = await runAdminQuery<{ users: string; distinct_users: string; hashes: string }>(
        `SELECT (SELECT count(*) FROM "${schema}".users) AS users,
                (SELECT count(DISTINCT userid) FROM "${schema}".users) AS distinct_users,
                (SELECT count(*) FROM "${schema}".token_hashes) AS hashes`,
      );
      expect(counts).toEqual({ users: "500", distinct_users: "500", hashes: "500" });
      // One bump per mutation and part: no mutation was lost or applied twice.
      const [generations] = await runAdminQuery(`SELECT secrets::text, config::text FROM "${schema}".generations`);
      expect(generations).toEqual({ secrets: "500", config: "500" });
      await expect.poll(() => generationOf((b.readVersions() as StoreVersions).config), { timeout: WAIT_MS }).toBe("500");
    });

    it("a burst of mutations does not make reads wait behind it for a pooled connection", async () => {
      const [a] = await openNodes(1, [{ poolSize: 2 }]);
      if (!a) throw new Error("node missing");
      const settled: string[] = [];
      const burst = Array.from({ length: 100 }, (_, i) =>
        a
          .mutate((state) => {
            state.tokenHashes[`u${i}@pbs!t`] = `hash-${i}`;
          })
          .then(() => settled.push(`mutation ${i}`)),
      );
      const read = a.readTokenHash("u0@pbs!t").then(() => settled.push("read"));
      await Promise.all([...burst, read]);
      // A FIFO pool of two would have queued the read behind about 98 mutations.
      expect(settled.indexOf("read")).toBeLessThan(10);
    });

    it("a mutation that cannot get the generation row lock in time fails with StoreLockTimeoutError and writes nothing", async () => {
      const [a] = await openNodes(1, [{ lockTimeoutMs: 200 }]);
      if (!a) throw new Error("node missing");
      const schema = schemaOfTest();
      const pg = await import("pg");
      const holder = new pg.default.Client({ connectionString: TEST_DATABASE_URL });
      await holder.connect();
      try {
        await holder.query(`BEGIN; SELECT * FROM "${schema}".generations FOR UPDATE`);
        const failure = a.mutate((state) => {
          state.config.users["alice@pbs"] = { userid: "alice@pbs", enable: true, expire: 0 };
        });
        await expect(failure).rejects.toBeInstanceOf(StoreLockTimeoutError);
        await expect(failure).rejects.toMatchObject({ path: `${schema}.generations`, waitedMs: 200 });
        await holder.query("ROLLBACK");
      } finally {
        await holder.end();
      }
      expect((await a.readConfig()).config.users).toEqual({});
      await a.mutate((state) => {
        state.config.users["alice@pbs"] = { userid: "alice@pbs", enable: true, expire: 0 };
      });
      expect(Object.keys((await a.readConfig()).config.users)).toEqual(["alice@pbs"]);
    });

    it("a row that does not fit the model is reported as StoreCorruptError, not dropped", async () => {
      const [a] = await openNodes(1);
      if (!a) throw new Error("node missing");
      await runAdminQuery(`INSERT INTO "${schemaOfTest()}".users (userid, enable, expire) VALUES ('alice@pbs', true, 9007199254740993)`);
      await expect(a.readConfig()).rejects.toBeInstanceOf(StoreCorruptError);
      await expect(a.mutate(() => undefined)).rejects.toBeInstanceOf(StoreCorruptError);
    });

    it("a change that produces a record the tables cannot hold is refused and rolled back", async () => {
      const [a] = await openNodes(1);
      if (!a) throw new Error("node missing");
      const before = a.readVersions();
      await expect(
        a.mutate((state) => {
          state.config.users["alice@pbs"] = { userid: "bob@pbs", enable: true, expire: 0 };
        }),
      ).rejects.toBeInstanceOf(TypeError);
      expect((await a.readConfig()).config.users).toEqual({});
      expect(a.readVersions()).toEqual(before);
    });

    it("a key from Object.prototype round-trips as an own entry", async () => {
      const [a] = await openNodes(1);
      if (!a) throw new Error("node missing");
      await a.mutate((state) => {
        Object.defineProperty(state.passwordHashes, "__proto__", { value: "pw", enumerable: true, writable: true });
      });
      const seen = await a.mutate((state) => Object.hasOwn(state.passwordHashes, "__proto__"));
      expect(seen.result).toBe(true);
      expect(await a.readPasswordHash("__proto__")).toBe("pw");
    });

    it("after close, readVersions throws and the listener session is gone", async () => {
      const [a] = await openNodes(1);
      if (!a) throw new Error("node missing");
      const { backendPid } = a.readStats();
      await a.close();
      expect(() => a.readVersions()).toThrow(/closed/);
      const rows = await runAdminQuery("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [backendPid]);
      expect(rows).toHaveLength(0);
    });

    it("a schema name that could inject SQL is refused before connecting", async () => {
      await expect(openPostgresStore({ connectionString: TEST_DATABASE_URL, schema: 'x"; DROP TABLE y; --' })).rejects.toThrow(
        /schema name/,
      );
    });
  });
});
