import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StoreCorruptError, StoreLockTimeoutError } from "../../core/errors.js";
import { openFileStore, STORE_FILES } from "./file-store.js";
import type { FileAccessStore } from "./file-store.js";
import { isMessageOfType, spawnTsChild } from "../../test-support/child-process.js";
import type { TsChild } from "../../test-support/child-process.js";
import { describeAccessStoreContract } from "../../test-support/store-contract.js";

const STORE_CHILD = fileURLToPath(new URL("../../test-support/store-child.ts", import.meta.url));

function makeDataDir(): string {
  return mkdtempSync(join(tmpdir(), "gatehouse-store-"));
}

describeAccessStoreContract("file", async () => {
  const dataDir = makeDataDir();
  const store = await openFileStore({ dataDir });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
    openAnother: () => openFileStore({ dataDir }),
  };
});

describe("FileAccessStore", () => {
  let dataDir: string;
  const stores: FileAccessStore[] = [];
  const children: TsChild[] = [];

  beforeEach(() => {
    dataDir = join(makeDataDir(), "data");
  });

  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill();
      await child.exited;
    }
    for (const store of stores.splice(0)) await store.close();
    rmSync(join(dataDir, ".."), { recursive: true, force: true });
  });

  async function open(options: { lockTimeoutMs?: number; lockStaleMs?: number } = {}): Promise<FileAccessStore> {
    const store = await openFileStore({ dataDir, ...options });
    stores.push(store);
    return store;
  }

  function startChild(args: string[]): TsChild {
    const child = spawnTsChild(STORE_CHILD, args);
    children.push(child);
    return child;
  }

  function fileIn(name: string): string {
    return join(dataDir, name);
  }

  it("creates a missing data dir with mode 0700", async () => {
    await open();
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(fileIn(STORE_FILES.generations)).size).toBe(16);
  });

  it("makes an existing data dir 0700 too (issue 15, finding 10)", async () => {
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    await open();
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
  });

  it("writes secret files with mode 0600 and the public key with 0644", async () => {
    const store = await open();
    await store.mutate((state) => {
      state.config.users["alice@pbs"] = { userid: "alice@pbs", enable: true, expire: 0 };
      state.config.acl.push({ path: "/", ugid: "alice@pbs", roleid: "Admin", propagate: true });
      state.tokenHashes["alice@pbs!ci"] = "hash";
      state.passwordHashes["alice@pbs"] = "pw-hash";
    });
    await store.loadOrCreateKeys();
    const modeOf = (name: string): number => statSync(fileIn(name)).mode & 0o777;
    for (const name of [
      STORE_FILES.tokenShadow,
      STORE_FILES.passwordShadow,
      STORE_FILES.users,
      STORE_FILES.acl,
      STORE_FILES.ticketPrivateKey,
      STORE_FILES.csrfKey,
      STORE_FILES.generations,
    ]) {
      expect({ name, mode: modeOf(name) }).toEqual({ name, mode: 0o600 });
    }
    expect(modeOf(STORE_FILES.ticketPublicKey)).toBe(0o644);
  });

  it("leaves no temp files behind after mutations, failed changes and key creation", async () => {
    const store = await open();
    for (let i = 0; i < 5; i += 1) {
      await store.mutate((state) => {
        state.config.users[`u${i}@pbs`] = { userid: `u${i}@pbs`, enable: true, expire: 0 };
        state.tokenHashes[`u${i}@pbs!t`] = `h${i}`;
      });
    }
    await expect(
      store.mutate(() => {
        throw new Error("refused");
      }),
    ).rejects.toThrow("refused");
    await store.loadOrCreateKeys();
    expect(readdirSync(dataDir).sort()).toEqual(
      [
        STORE_FILES.users,
        STORE_FILES.tokenShadow,
        STORE_FILES.generations,
        STORE_FILES.ticketPrivateKey,
        STORE_FILES.ticketPublicKey,
        STORE_FILES.csrfKey,
        STORE_FILES.journal,
      ].sort(),
    );
  });

  it("removes temp files a crashed writer left when the store opens", async () => {
    await open();
    writeFileSync(fileIn(".token.shadow.999999.0123456789ab.tmp"), '{"half');
    await open();
    expect(readdirSync(dataDir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("the digest is the SHA-256 of the stored user.json and acl.json", async () => {
    const store = await open();
    await store.mutate((state) => {
      state.config.users["alice@pbs"] = { userid: "alice@pbs", enable: true, expire: 0 };
      state.config.acl.push({ path: "/", ugid: "alice@pbs", roleid: "Audit", propagate: false });
    });
    const expected = createHash("sha256")
      .update(readFileSync(fileIn(STORE_FILES.users)))
      .update("\0")
      .update(readFileSync(fileIn(STORE_FILES.acl)))
      .digest("hex");
    expect((await store.readConfig()).digest).toBe(expected);
  });

  it("a token change bumps the secrets counter and a config change the config counter", async () => {
    const store = await open();
    const counters = (): [bigint, bigint] => {
      const bytes = readFileSync(fileIn(STORE_FILES.generations));
      return [bytes.readBigUInt64LE(0), bytes.readBigUInt64LE(8)];
    };
    expect(counters()).toEqual([0n, 0n]);
    await store.mutate((state) => {
      state.tokenHashes["alice@pbs!ci"] = "h";
    });
    expect(counters()).toEqual([1n, 0n]);
    await store.mutate((state) => {
      state.passwordHashes["alice@pbs"] = "pw";
    });
    expect(counters()).toEqual([1n, 1n]);
    await store.mutate((state) => {
      delete state.tokenHashes["alice@pbs!ci"];
      state.config.users["alice@pbs"] = { userid: "alice@pbs", enable: false, expire: 0 };
    });
    expect(counters()).toEqual([2n, 2n]);
  });

  it("a hand edit of token.shadow is seen on the next read, without any bump (I3)", async () => {
    const store = await open();
    await store.mutate((state) => {
      state.tokenHashes["alice@pbs!ci"] = "original-hash";
    });
    expect(await store.readTokenHash("alice@pbs!ci")).toBe("original-hash");
    const before = store.readVersions();
    // Written in place (same inode) by an editor, not through the store.
    writeFileSync(fileIn(STORE_FILES.tokenShadow), JSON.stringify({ "alice@pbs!ci": "replaced-hash" }));
    const after = store.readVersions();
    expect(after.secrets).not.toBe(before.secrets);
    expect(after.config).toBe(before.config);
    expect(await store.readTokenHash("alice@pbs!ci")).toBe("replaced-hash");
  });

  it("deleting token.shadow by hand moves the secrets version and removes every hash (I3)", async () => {
    const store = await open();
    await store.mutate((state) => {
      state.tokenHashes["alice@pbs!ci"] = "hash";
    });
    const before = store.readVersions();
    rmSync(fileIn(STORE_FILES.tokenShadow));
    expect(store.readVersions().secrets).not.toBe(before.secrets);
    expect(await store.readTokenHash("alice@pbs!ci")).toBeUndefined();
  });

  it("a hand edit of user.json or acl.json moves the config version and is read back", async () => {
    const store = await open();
    await store.mutate((state) => {
      state.config.users["alice@pbs"] = { userid: "alice@pbs", enable: true, expire: 0 };
    });
    const before = store.readVersions();
    writeFileSync(
      fileIn(STORE_FILES.users),
      JSON.stringify({ users: { "alice@pbs": { userid: "alice@pbs", enable: false, expire: 0 } }, tokens: {} }),
    );
    const afterUsers = store.readVersions();
    expect(afterUsers.config).not.toBe(before.config);
    expect(afterUsers.secrets).toBe(before.secrets);
    expect((await store.readConfig()).config.users["alice@pbs"]?.enable).toBe(false);

    const acl = [{ path: "/", ugid: "alice@pbs", roleid: "Admin", propagate: true }];
    writeFileSync(fileIn(STORE_FILES.acl), JSON.stringify(acl));
    expect(store.readVersions().config).not.toBe(afterUsers.config);
    expect((await store.readConfig()).config.acl).toHaveLength(1);
  });

  it("a corrupt user.json gives StoreCorruptError on read and write and is left intact", async () => {
    const store = await open();
    await store.mutate((state) => {
      state.tokenHashes["alice@pbs!ci"] = "hash";
    });
    const corrupt = '{"users": {"alice@pbs": {"userid": "alice@pbs"';
    writeFileSync(fileIn(STORE_FILES.users), corrupt);
    await expect(store.readConfig()).rejects.toBeInstanceOf(StoreCorruptError);
    await expect(
      store.mutate((state) => {
        state.config.users["bob@pbs"] = { userid: "bob@pbs", enable: true, expire: 0 };
      }),
    ).rejects.toBeInstanceOf(StoreCorruptError);
    expect(readFileSync(fileIn(STORE_FILES.users), "utf8")).toBe(corrupt);
    // Other parts stay readable.
    expect(await store.readTokenHash("alice@pbs!ci")).toBe("hash");
  });

  it("a user.json of the wrong shape is corrupt too, naming the file", async () => {
    const store = await open();
    writeFileSync(
      fileIn(STORE_FILES.users),
      JSON.stringify({ users: { "alice@pbs": { userid: "bob@pbs", enable: true, expire: 0 } }, tokens: {} }),
    );
    const failure = await store.readConfig().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StoreCorruptError);
    expect((failure as StoreCorruptError).location).toBe(fileIn(STORE_FILES.users));
  });

  it("a change that leaves data the store could not read back is refused before writing", async () => {
    const store = await open();
    await expect(
      store.mutate((state) => {
        state.tokenHashes["alice@pbs!ci"] = "hash";
        state.config.users["alice@pbs"] = { userid: "alice@pbs", enable: true, expire: Number.NaN };
      }),
    ).rejects.toThrow(TypeError);
    expect(readdirSync(dataDir)).not.toContain(STORE_FILES.tokenShadow);
    expect(await store.readTokenHash("alice@pbs!ci")).toBeUndefined();
  });

  it("keys are files in the data dir that a second store instance loads", async () => {
    const first = await (await open()).loadOrCreateKeys();
    expect(readFileSync(fileIn(STORE_FILES.ticketPrivateKey), "utf8")).toBe(first.ticketPrivateKeyPem);
    expect(readFileSync(fileIn(STORE_FILES.csrfKey), "utf8").trim()).toBe(first.csrfKeyBase64);
    expect(await (await open()).loadOrCreateKeys()).toEqual(first);
  });

  it("a lost authkey.pub is rebuilt from authkey.key, so issued tickets stay valid", async () => {
    const first = await (await open()).loadOrCreateKeys();
    rmSync(fileIn(STORE_FILES.ticketPublicKey));
    const again = await (await open()).loadOrCreateKeys();
    expect(again).toEqual(first);
  });

  it("a csrf.key that is not 32 bytes of base64 is corrupt, not replaced", async () => {
    await (await open()).loadOrCreateKeys();
    writeFileSync(fileIn(STORE_FILES.csrfKey), "c2hvcnQ=\n");
    await expect((await open()).loadOrCreateKeys()).rejects.toBeInstanceOf(StoreCorruptError);
    expect(readFileSync(fileIn(STORE_FILES.csrfKey), "utf8")).toBe("c2hvcnQ=\n");
  });

  it("a counters file of the wrong size stops the store from opening", async () => {
    const store = await open();
    await store.close();
    writeFileSync(fileIn(STORE_FILES.generations), Buffer.alloc(3));
    await expect(openFileStore({ dataDir })).rejects.toBeInstanceOf(StoreCorruptError);
  });

  it("a closed store refuses readVersions", async () => {
    const store = await openFileStore({ dataDir });
    await store.close();
    expect(() => store.readVersions()).toThrow(/closed/);
  });

  it("several child processes mutating at once lose no update", async () => {
    const parent = await open();
    const perProcess = 15;
    const prefixes = ["p", "q", "r"];
    const workers = prefixes.map((prefix) => startChild(["mutate", dataDir, prefix, String(perProcess)]));
    await Promise.all(workers.map((child) => child.nextMessage(isMessageOfType("ready"))));
    const own = Array.from({ length: perProcess }, (_, i) =>
      parent.mutate((state) => {
        state.config.users[`own${i}@pbs`] = { userid: `own${i}@pbs`, enable: true, expire: 0 };
        const counter = state.config.users["counter@pbs"] ?? { userid: "counter@pbs", enable: true, expire: 0 };
        counter.expire += 1;
        state.config.users["counter@pbs"] = counter;
      }),
    );
    await Promise.all([...own, ...workers.map((child) => child.nextMessage(isMessageOfType("done"), 60_000))]);

    const { config } = await parent.readConfig();
    const total = perProcess * (prefixes.length + 1);
    expect(config.users["counter@pbs"]?.expire).toBe(total);
    expect(Object.keys(config.users)).toHaveLength(total + 1);
    for (const prefix of prefixes) {
      expect(await parent.readTokenHash(`${prefix}${perProcess - 1}@pbs!t`)).toBe(`hash-${prefix}-${perProcess - 1}`);
    }
  });

  it("a process that re-takes the lock at once cannot starve another process's mutation (decision 013)", async () => {
    // Without the next-in-line claim the waiter would have to hit the microseconds
    // between the looper's release and its next mkdir, polling every 100 ms.
    const waiter = await open({ lockTimeoutMs: 5_000 });
    const looper = startChild(["lock-loop", dataDir, "20"]);
    await looper.nextMessage(isMessageOfType("looping"));
    for (let i = 0; i < 5; i += 1) {
      await waiter.mutate((state) => {
        state.tokenHashes[`waiter@pbs!t${i}`] = "h";
      });
    }
    expect(await waiter.readTokenHash("waiter@pbs!t4")).toBe("h");
    looper.kill("SIGKILL");
    await looper.exited;
  });

  it("a lock left by a SIGKILLed process is broken and the next mutation succeeds within a bounded time", async () => {
    const staleMs = 2_000;
    const store = await open({ lockStaleMs: staleMs, lockTimeoutMs: 10_000 });
    const impatient = await open({ lockStaleMs: staleMs, lockTimeoutMs: 200 });
    const holder = startChild(["hold-lock", dataDir, String(staleMs)]);
    await holder.nextMessage(isMessageOfType("locked"));

    // While the holder lives, the lock is really held.
    await expect(
      impatient.mutate((state) => {
        state.tokenHashes["x@pbs!t"] = "h";
      }),
    ).rejects.toBeInstanceOf(StoreLockTimeoutError);

    holder.kill("SIGKILL");
    await holder.exited;
    const startedAt = performance.now();
    await store.mutate((state) => {
      state.tokenHashes["alice@pbs!ci"] = "after-kill";
    });
    const waitedMs = performance.now() - startedAt;
    expect(await store.readTokenHash("alice@pbs!ci")).toBe("after-kill");
    // A correctness bound, not a speed claim: the wait ends once the lock turns stale.
    expect(waitedMs).toBeLessThan(staleMs + 4_000);
  });
});
