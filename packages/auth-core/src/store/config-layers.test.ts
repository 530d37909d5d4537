import { describe, expect, it, vi } from "vitest";
import type { AccessConfig, TokenRecord, UserRecord } from "../core/model.js";
import { isTokenActive, requireToken } from "../access/config-queries.js";
import { isSameConfigPart } from "../access/config-digests.js";
import { readConfigListIndex } from "../access/config-index.js";
import { countTokens, tokensToCount } from "../access/token-quota.js";
import {
  layerConfigChanges,
  layerStats,
  readConfigLayers,
  readMapKeysInSlices,
  readTokenRecord,
  readUserRecord,
  settleCompaction,
} from "./config-layers.js";
import { applyConfigChanges, createStateDraft, freezeConfig } from "./state-draft.js";

function user(userid: string, extra: Partial<UserRecord> = {}): UserRecord {
  return { userid, enable: true, expire: 0, ...extra };
}

function token(tokenid: string, extra: Partial<TokenRecord> = {}): TokenRecord {
  return { tokenid, enable: true, expire: 0, ...extra };
}

/** `n` users with one token each, frozen as a whole read gives them. */
function wholeRead(n: number): AccessConfig {
  const config: AccessConfig = { users: {}, tokens: {}, acl: [] };
  for (let i = 0; i < n; i++) {
    config.users[`u${i}@pbs`] = user(`u${i}@pbs`);
    config.tokens[`u${i}@pbs!ci`] = token(`u${i}@pbs!ci`);
  }
  return freezeConfig(config);
}

function step(tokens: [string, TokenRecord | null][], users: [string, UserRecord | null][] = []) {
  return { users: new Map(users), tokens: new Map(tokens), acl: null };
}

function flattens(): number {
  return layerStats.synchronousFlattens + layerStats.slicedFlattens;
}

describe("layerConfigChanges", () => {
  it("applies a change without building a new map: lookups read the changed rows, then the shared old map", async () => {
    await settleCompaction();
    const base = wholeRead(50);
    const before = flattens();
    const next = layerConfigChanges(
      base,
      step([
        ["u1@pbs!ci", null],
        ["u2@pbs!new", token("u2@pbs!new", { comment: "new" })],
        ["u3@pbs!ci", token("u3@pbs!ci", { enable: false })],
      ]),
    );
    // Counted before compaction had a turn: the new version answers at once.
    expect(flattens()).toBe(before);
    expect(readTokenRecord(next, "u1@pbs!ci")).toBeUndefined();
    expect(readTokenRecord(next, "u2@pbs!new")?.comment).toBe("new");
    expect(readTokenRecord(next, "u3@pbs!ci")?.enable).toBe(false);
    expect(readTokenRecord(next, "u4@pbs!ci")).toBe(base.tokens["u4@pbs!ci"]);
    expect(readUserRecord(next, "u4@pbs")).toBe(base.users["u4@pbs"]);
    expect(isTokenActive(next, { authid: "u3@pbs!ci", userid: "u3@pbs", tokenName: "ci", via: "token" }, 1)).toBe(false);
    expect(isTokenActive(next, { authid: "u4@pbs!ci", userid: "u4@pbs", tokenName: "ci", via: "token" }, 1)).toBe(true);
    expect(() => requireToken(next, "u1@pbs!ci")).toThrow(/no such token/);
    expect(flattens()).toBe(before);
    expect(base.tokens["u1@pbs!ci"]).toBeDefined();
  });

  it("gives the same config as a copy would, in the same key order, whether built in slices or on demand", async () => {
    await settleCompaction();
    const base = wholeRead(20);
    const changes = step(
      [
        ["u5@pbs!ci", token("u5@pbs!ci", { comment: "c" })],
        ["u6@pbs!ci", null],
        ["__proto__", token("__proto__")],
      ],
      [["u7@pbs", user("u7@pbs", { enable: false })]],
    );
    const copied = applyConfigChanges(base, changes);
    const sliced = layerConfigChanges(base, changes);
    const onDemand = layerConfigChanges(base, changes);
    const synchronous = layerStats.synchronousFlattens;
    expect(Object.keys(onDemand.tokens)).toEqual(Object.keys(copied.tokens));
    expect(layerStats.synchronousFlattens).toBe(synchronous + 1);
    await settleCompaction();
    expect(Object.keys(sliced.tokens)).toEqual(Object.keys(copied.tokens));
    expect(sliced.tokens).toEqual(copied.tokens);
    expect(sliced.users).toEqual(copied.users);
    expect(Object.getPrototypeOf(sliced.tokens)).toBe(Object.prototype);
    expect(Object.isFrozen(sliced.tokens)).toBe(true);
    expect(Object.isFrozen(readTokenRecord(sliced, "u5@pbs!ci"))).toBe(true);
    expect(await readMapKeysInSlices(sliced, "tokens")).toEqual(Object.keys(copied.tokens));
  });

  it("compacts in the background, once for a burst of changes, and the next snapshot layers on the compacted map", async () => {
    await settleCompaction();
    let config = wholeRead(30);
    const before = layerStats.slicedFlattens;
    for (let i = 0; i < 5; i++) config = layerConfigChanges(config, step([[`u${i}@pbs!extra`, token(`u${i}@pbs!extra`)]]));
    await settleCompaction();
    // The first snapshot's maps, then the newest's rebased on them: never one per change.
    expect(layerStats.slicedFlattens - before).toBeLessThanOrEqual(2);
    expect(Object.keys(config.tokens)).toHaveLength(35);
    const flatTokens = config.tokens;
    const after = layerConfigChanges(config, step([["u9@pbs!ci", null]]));
    expect(readConfigLayers(after)?.tokens.readLayers()?.root).toBe(flatTokens);
    expect(readConfigLayers(after)?.users).toBe(readConfigLayers(config)?.users);
    await settleCompaction();
    expect(Object.keys(after.tokens)).toHaveLength(34);
  });

  it("waits for changes to pause before compacting a small delta, and compacts a large one at once", async () => {
    await settleCompaction();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      let config = wholeRead(20);
      const before = layerStats.slicedFlattens;
      // A steady stream of small changes, each arriving before the quiet time is over.
      for (let i = 0; i < 10; i++) {
        config = layerConfigChanges(config, step([[`u${i}@pbs!extra`, token(`u${i}@pbs!extra`)]]));
        await vi.advanceTimersByTimeAsync(500);
        // Real event-loop turns too: a compaction that did not wait would run in them.
        for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
      }
      expect(layerStats.slicedFlattens).toBe(before);
      expect(readConfigLayers(config)?.tokens.pendingChanges).toBe(10);
      // Quiet: the newest snapshot is compacted.
      await vi.advanceTimersByTimeAsync(1000);
      await settleCompaction();
      expect(layerStats.slicedFlattens).toBeGreaterThan(before);
      expect(readConfigLayers(config)?.tokens.isFlat).toBe(true);
      // 1,024 changes in one step need no pause.
      const many: [string, TokenRecord][] = [];
      for (let i = 0; i < 1024; i++) many.push([`bulk${i}@pbs!ci`, token(`bulk${i}@pbs!ci`)]);
      const bulk = layerConfigChanges(config, step(many));
      const beforeBulk = layerStats.slicedFlattens;
      // No timer is advanced: the build runs on setImmediate turns alone (bounded by count).
      for (let turn = 0; turn < 10_000 && !(readConfigLayers(bulk)?.tokens.isFlat ?? true); turn++) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(layerStats.slicedFlattens).toBeGreaterThan(beforeBulk);
    } finally {
      vi.useRealTimers();
    }
  });

  it("counts quotas from the old map's counts and the changed rows, without building the new map", async () => {
    await settleCompaction();
    const base = wholeRead(40);
    const next = layerConfigChanges(
      base,
      step([
        ["u1@pbs!two", token("u1@pbs!two")],
        ["u2@pbs!ci", null],
        ["u3@pbs!ci", token("u3@pbs!ci", { comment: "updated" })],
      ]),
    );
    const before = flattens();
    expect(countTokens(tokensToCount(next), "u1@pbs")).toEqual({ total: 40, owned: 2 });
    expect(countTokens(tokensToCount(next), "u2@pbs")).toEqual({ total: 40, owned: 0 });
    const draft = createStateDraft(next, {
      tokenHashes: { rows: new Map(), complete: true },
      passwordHashes: { rows: new Map(), complete: true },
    });
    expect(countTokens(draft.state.config.tokens, "u3@pbs")).toEqual({ total: 40, owned: 1 });
    // An untouched draft is recognised as its snapshot without digesting either.
    expect(isSameConfigPart(next, draft.state.config, "users")).toBe(true);
    expect(draft.state.config.tokens["u3@pbs!ci"]?.comment).toBe("updated");
    expect(flattens()).toBe(before);
  });

  it("the listing index of a layered snapshot holds the changed rows", async () => {
    const base = wholeRead(10);
    const next = layerConfigChanges(
      base,
      step([
        ["u0@pbs!a", token("u0@pbs!a")],
        ["u1@pbs!ci", null],
      ]),
    );
    const index = await readConfigListIndex(next);
    expect(index.tokensByOwner.get("u0@pbs")?.map((t) => t.tokenid)).toEqual(["u0@pbs!a", "u0@pbs!ci"]);
    expect(index.tokensByOwner.get("u1@pbs")).toBeUndefined();
    expect(index.tokens).toHaveLength(10);
    expect(index.users).toHaveLength(10);
  });
});
