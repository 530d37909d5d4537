/**
 * Issue 4 / decision 007: the per-request versions of the file store stat the
 * store files once per event-loop turn, while the generations are read on every
 * call. Hand edits are seen from the next turn on; changes through a store at once.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openFileStore, STORE_FILES } from "./file-store.js";
import type { FileAccessStore } from "./file-store.js";
import { FileGenerationCounter } from "./generation.js";

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe("FileAccessStore.readVersionsThisTurn", () => {
  let root: string;
  let store: FileAccessStore;

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), "gatehouse-turn-stamps-"));
    store = await openFileStore({ dataDir: root });
    await store.mutate((state) => {
      state.tokenHashes["alice@pbs!ci"] = "original-hash";
    });
  });

  afterEach(async () => {
    vi.useRealTimers();
    await store.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("reuses the stamps within one turn and sees a hand edit from the next turn on", async () => {
    await nextTurn();
    const before = store.readVersionsThisTurn();
    writeFileSync(join(root, STORE_FILES.tokenShadow), JSON.stringify({ "alice@pbs!ci": "edited-hash" }));
    // Same turn: the edit is not seen yet, but readVersions, which stats every time, sees it.
    expect(store.readVersionsThisTurn()).toEqual(before);
    expect(store.readVersions().secrets).not.toBe(before.secrets);
    await nextTurn();
    const after = store.readVersionsThisTurn();
    expect(after.secrets).not.toBe(before.secrets);
    expect(after).toEqual(store.readVersions());
  });

  it("reads the generations on every call, so a change made through any store shows within the turn", async () => {
    await nextTurn();
    const before = store.readVersionsThisTurn();
    // What another process's mutation does under the lock after writing token.shadow.
    const counter = FileGenerationCounter.open(join(root, STORE_FILES.generations));
    try {
      counter.bump("secrets");
    } finally {
      counter.close();
    }
    const after = store.readVersionsThisTurn();
    expect(after.secrets).not.toBe(before.secrets);
    expect(after.config).toBe(before.config);
  });

  it("forgets its stamps after a mutation through this store, even before the turn ends", async () => {
    // With the end-of-turn callback held back, only the mutation itself can refresh the stamps.
    vi.useFakeTimers({ toFake: ["setImmediate"] });
    const stale = store.readVersionsThisTurn();
    const { versions } = await store.mutate((state) => {
      state.tokenHashes["alice@pbs!ci"] = "rotated-hash";
    });
    expect(versions.secrets).not.toBe(stale.secrets);
    expect(store.readVersionsThisTurn()).toEqual(versions);
  });
});
