import { describe, expect, it } from "vitest";
import { describeAccessStoreContract } from "./store-contract.js";
import { MemoryAccessStore } from "./memory-store.js";

describeAccessStoreContract("memory", () => {
  const store = new MemoryAccessStore();
  return Promise.resolve({
    store,
    cleanup: () => store.close(),
    openAnother: () => Promise.resolve(store.openSibling()),
  });
});

describeAccessStoreContract("memory with asynchronous versions", () => {
  const store = new MemoryAccessStore({ asyncVersions: true });
  return Promise.resolve({
    store,
    cleanup: () => store.close(),
    openAnother: () => Promise.resolve(store.openSibling({ asyncVersions: true })),
  });
});

describe("MemoryAccessStore test hooks", () => {
  it("an out-of-band edit moves the version of the part it touched and is read back", async () => {
    const store = new MemoryAccessStore();
    const before = await store.readVersions();
    store.editOutOfBand((state) => {
      state.tokenHashes["alice@pbs!ci"] = "hash";
    });
    const after = await store.readVersions();
    expect(after.secrets).not.toBe(before.secrets);
    expect(after.config).toBe(before.config);
    expect(await store.readTokenHash("alice@pbs!ci")).toBe("hash");
  });

  it("bumpOutOfBand moves one version without changing data", async () => {
    const store = new MemoryAccessStore();
    const before = await store.readVersions();
    store.bumpOutOfBand("config");
    const after = await store.readVersions();
    expect(after.config).not.toBe(before.config);
    expect(after.secrets).toBe(before.secrets);
    expect((await store.readConfig()).config).toEqual({ users: {}, tokens: {}, acl: [] });
  });

  it("read counts show which reads reached the store", async () => {
    const store = new MemoryAccessStore();
    await store.readTokenHash("alice@pbs!ci");
    await store.readConfig();
    await store.readConfig();
    expect(store.reads).toMatchObject({ readTokenHash: 1, readConfig: 2, readPasswordHash: 0, mutate: 0 });
  });

  it("a sibling handle shares data and versions but closes on its own", async () => {
    const store = new MemoryAccessStore();
    const sibling = store.openSibling();
    await sibling.mutate((state) => {
      state.passwordHashes["alice@pbs"] = "pw";
    });
    expect(await store.readPasswordHash("alice@pbs")).toBe("pw");
    expect(await store.readVersions()).toEqual(await sibling.readVersions());
    await sibling.close();
    expect(await store.readPasswordHash("alice@pbs")).toBe("pw");
  });
});
