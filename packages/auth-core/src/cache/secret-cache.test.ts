import { Buffer } from "node:buffer";
import type * as NodeCrypto from "node:crypto";
import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("node:crypto", async (importOriginal) => {
  const original = await importOriginal<typeof NodeCrypto>();
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) };
});

const { timingSafeEqual } = await import("node:crypto");
const { TokenSecretCache } = await import("./secret-cache.js");

const AUTHID = "alice@pbs!ci";
const SECRET = "0b5b8e5e-6a43-4f6f-9b0e-3f1c2a7d9e11";
const OTHER_SECRET = "7d1f3c2b-0a9e-4c8d-b6e5-1f2a3b4c5d6e";
const T0 = Date.UTC(2026, 0, 1);

function makeCache(options: { ttlMs?: number; maxEntries?: number } = {}) {
  return new TokenSecretCache({ ttlMs: options.ttlMs ?? 60_000, ...options });
}

/** Every string and byte sequence reachable from `root`, including Map keys/values. */
function collectReachableData(root: unknown): { strings: string[]; buffers: Buffer[] } {
  const strings: string[] = [];
  const buffers: Buffer[] = [];
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0 && seen.size < 100_000) {
    const value = stack.pop();
    if (typeof value === "string") strings.push(value);
    if (typeof value !== "object" || value === null || seen.has(value)) continue;
    seen.add(value);
    if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
      buffers.push(Buffer.from(value));
      continue;
    }
    if (value instanceof Map) {
      for (const [k, v] of value) stack.push(k, v);
      continue;
    }
    for (const key of Reflect.ownKeys(value)) {
      if (typeof key === "string") strings.push(key);
      stack.push((value as Record<string | symbol, unknown>)[key]);
    }
  }
  return { strings, buffers };
}

describe("TokenSecretCache", () => {
  beforeEach(() => {
    vi.mocked(timingSafeEqual).mockClear();
  });

  it("matches a secret that was inserted under the same version", () => {
    const cache = makeCache();
    expect(cache.matches(AUTHID, SECRET, "v1", T0)).toBe(false);
    expect(cache.insertIfUnchanged(AUTHID, SECRET, "v1", "v1", T0)).toBe(true);
    expect(cache.matches(AUTHID, SECRET, "v1", T0 + 1)).toBe(true);
  });

  it("does not match a different secret for a cached token", () => {
    const cache = makeCache();
    cache.insertIfUnchanged(AUTHID, SECRET, "v1", "v1", T0);
    expect(cache.matches(AUTHID, OTHER_SECRET, "v1", T0)).toBe(false);
    expect(cache.matches(AUTHID, "", "v1", T0)).toBe(false);
  });

  it("does not let one token's cached secret authenticate another token", () => {
    const cache = makeCache();
    cache.insertIfUnchanged(AUTHID, SECRET, "v1", "v1", T0);
    expect(cache.matches("alice@pbs!other", SECRET, "v1", T0)).toBe(false);
  });

  it("flushes every entry when the secrets version changes", () => {
    const cache = makeCache();
    cache.insertIfUnchanged(AUTHID, SECRET, "v1", "v1", T0);
    cache.insertIfUnchanged("bob@pbs!x", OTHER_SECRET, "v1", "v1", T0);
    expect(cache.matches(AUTHID, SECRET, "v2", T0)).toBe(false);
    expect(cache.size()).toBe(0);
    // Going back to the old version string does not bring the entries back.
    expect(cache.matches("bob@pbs!x", OTHER_SECRET, "v1", T0)).toBe(false);
  });

  it("refuses an insert when the version changed while hashing (I2)", () => {
    const cache = makeCache();
    expect(cache.matches(AUTHID, SECRET, "v1", T0)).toBe(false);
    expect(cache.insertIfUnchanged(AUTHID, SECRET, "v1", "v2", T0)).toBe(false);
    expect(cache.size()).toBe(0);
    expect(cache.matches(AUTHID, SECRET, "v2", T0)).toBe(false);
    expect(cache.matches(AUTHID, SECRET, "v1", T0)).toBe(false);
  });

  it("ties a late insert to its own version, so a newer version still flushes it", () => {
    const cache = makeCache();
    cache.insertIfUnchanged("bob@pbs!x", OTHER_SECRET, "v3", "v3", T0);
    // A verification that saw only v2 from start to end finishes after v3 was adopted.
    expect(cache.insertIfUnchanged(AUTHID, SECRET, "v2", "v2", T0)).toBe(true);
    expect(cache.matches("bob@pbs!x", OTHER_SECRET, "v2", T0)).toBe(false);
    expect(cache.matches(AUTHID, SECRET, "v3", T0)).toBe(false);
  });

  it("misses once an entry reaches the TTL even though the version is unchanged (I3)", () => {
    const cache = makeCache({ ttlMs: 60_000 });
    cache.insertIfUnchanged(AUTHID, SECRET, "v1", "v1", T0);
    expect(cache.matches(AUTHID, SECRET, "v1", T0 + 59_999)).toBe(true);
    expect(cache.matches(AUTHID, SECRET, "v1", T0 + 60_000)).toBe(false);
    expect(cache.matches(AUTHID, SECRET, "v1", T0 + 600_000)).toBe(false);
  });

  it("marks a hit in the last quarter of its TTL as due for a refresh, and forgets an entry on request", () => {
    const cache = makeCache({ ttlMs: 60_000 });
    cache.insertIfUnchanged(AUTHID, SECRET, "v1", "v1", T0);
    expect(cache.lookup(AUTHID, SECRET, "v1", T0 + 44_999)).toBe("hit");
    expect(cache.lookup(AUTHID, SECRET, "v1", T0 + 45_000)).toBe("hit-due");
    expect(cache.lookup(AUTHID, "another-secret", "v1", T0 + 45_000)).toBe("miss");
    expect(cache.lookup(AUTHID, SECRET, "v1", T0 + 60_000)).toBe("miss");
    // A re-insert (the refresh succeeding) starts the TTL over.
    cache.insertIfUnchanged(AUTHID, SECRET, "v1", "v1", T0 + 50_000);
    expect(cache.lookup(AUTHID, SECRET, "v1", T0 + 90_000)).toBe("hit");
    cache.forget(AUTHID);
    expect(cache.lookup(AUTHID, SECRET, "v1", T0 + 90_000)).toBe("miss");
    expect(cache.wasVerifiedEarlier(AUTHID, SECRET, "v1")).toBe(false);
  });

  it("remembers an expired secret only as verified earlier, for its own version, token and secret", () => {
    const cache = makeCache({ ttlMs: 60_000 });
    cache.insertIfUnchanged(AUTHID, SECRET, "v1", "v1", T0);
    expect(cache.matches(AUTHID, SECRET, "v1", T0 + 120_000)).toBe(false);
    expect(cache.wasVerifiedEarlier(AUTHID, SECRET, "v1")).toBe(true);
    expect(cache.wasVerifiedEarlier(AUTHID, "another-secret", "v1")).toBe(false);
    expect(cache.wasVerifiedEarlier("bob@pbs!ci", SECRET, "v1")).toBe(false);
    expect(cache.wasVerifiedEarlier(AUTHID, SECRET, "v2")).toBe(false);
    // A new version flushes everything: after a rotation nothing counts as verified earlier.
    expect(cache.matches(AUTHID, SECRET, "v2", T0 + 120_000)).toBe(false);
    expect(cache.wasVerifiedEarlier(AUTHID, SECRET, "v1")).toBe(false);
    expect(cache.size()).toBe(0);
  });

  it("misses when the clock went backwards past the insert time", () => {
    const cache = makeCache();
    cache.insertIfUnchanged(AUTHID, SECRET, "v1", "v1", T0);
    expect(cache.matches(AUTHID, SECRET, "v1", T0 - 1)).toBe(false);
  });

  it("caches nothing with a TTL of zero", () => {
    const cache = makeCache({ ttlMs: 0 });
    cache.insertIfUnchanged(AUTHID, SECRET, "v1", "v1", T0);
    expect(cache.matches(AUTHID, SECRET, "v1", T0)).toBe(false);
  });

  it("evicts the oldest entry beyond its size bound", () => {
    const cache = makeCache({ maxEntries: 2 });
    cache.insertIfUnchanged("a@pbs!t", SECRET, "v1", "v1", T0);
    cache.insertIfUnchanged("b@pbs!t", SECRET, "v1", "v1", T0 + 1);
    // Re-inserting `a` makes it the newest, so `b` is now the oldest.
    cache.insertIfUnchanged("a@pbs!t", SECRET, "v1", "v1", T0 + 2);
    cache.insertIfUnchanged("c@pbs!t", SECRET, "v1", "v1", T0 + 3);
    expect(cache.size()).toBe(2);
    expect(cache.matches("b@pbs!t", SECRET, "v1", T0 + 4)).toBe(false);
    expect(cache.matches("a@pbs!t", SECRET, "v1", T0 + 4)).toBe(true);
    expect(cache.matches("c@pbs!t", SECRET, "v1", T0 + 4)).toBe(true);
  });

  it("holds no plaintext secret anywhere in its reachable structure (I4)", () => {
    const cache = makeCache();
    cache.insertIfUnchanged(AUTHID, SECRET, "v1", "v1", T0);
    expect(cache.matches(AUTHID, SECRET, "v1", T0)).toBe(true);

    const { strings, buffers } = collectReachableData(cache);
    expect(buffers.length).toBeGreaterThan(0);
    const secretBytes = Buffer.from(SECRET, "utf8");
    const encodings = [SECRET, secretBytes.toString("hex"), secretBytes.toString("base64")];
    for (const s of strings) {
      for (const encoded of encodings) expect(s.includes(encoded)).toBe(false);
    }
    for (const b of buffers) {
      expect(b.includes(secretBytes)).toBe(false);
      for (const encoded of encodings) expect(b.toString("latin1").includes(encoded)).toBe(false);
    }
  });

  it("keys its digests per process, so two caches fingerprint the same secret differently", () => {
    const a = makeCache();
    const b = makeCache();
    expect(a.fingerprint(AUTHID, SECRET)).toBe(a.fingerprint(AUTHID, SECRET));
    expect(a.fingerprint(AUTHID, SECRET)).not.toBe(b.fingerprint(AUTHID, SECRET));
    expect(a.fingerprint(AUTHID, SECRET)).not.toBe(a.fingerprint(AUTHID, OTHER_SECRET));
    expect(a.fingerprint(AUTHID, SECRET)).not.toContain(SECRET);
  });

  it("compares secrets with timingSafeEqual on hits and on mismatches (I4)", () => {
    const cache = makeCache();
    cache.insertIfUnchanged(AUTHID, SECRET, "v1", "v1", T0);
    expect(cache.matches(AUTHID, SECRET, "v1", T0)).toBe(true);
    expect(cache.matches(AUTHID, OTHER_SECRET, "v1", T0)).toBe(false);
    expect(vi.mocked(timingSafeEqual)).toHaveBeenCalledTimes(2);
  });

  it("forgets everything on clear", () => {
    const cache = makeCache();
    cache.insertIfUnchanged(AUTHID, SECRET, "v1", "v1", T0);
    cache.clear();
    expect(cache.size()).toBe(0);
    expect(cache.matches(AUTHID, SECRET, "v1", T0)).toBe(false);
  });

  it("rejects a negative TTL and a size bound below one", () => {
    expect(() => new TokenSecretCache({ ttlMs: -1 })).toThrow(RangeError);
    expect(() => new TokenSecretCache({ ttlMs: 1, maxEntries: 0 })).toThrow(RangeError);
  });
});

describe("TokenSecretCache: targeted changes (I6, decision 012)", () => {
  const OTHER = "bob@pbs!ci";

  it("keeps the entries of tokens a change does not name, and drops those it names", () => {
    const cache = makeCache();
    cache.applyChanges("v1", null);
    expect(cache.insertUnlessChangedSince(AUTHID, SECRET, cache.sequence, T0)).toBe(true);
    expect(cache.insertUnlessChangedSince(OTHER, OTHER_SECRET, cache.sequence, T0)).toBe(true);
    cache.applyChanges("v2", new Set(["carol@pbs!new"]));
    expect(cache.currentVersion).toBe("v2");
    expect(cache.lookupCurrent(AUTHID, SECRET, T0)).toBe("hit");
    cache.applyChanges("v3", new Set([OTHER]));
    expect(cache.lookupCurrent(OTHER, OTHER_SECRET, T0)).toBe("miss");
    expect(cache.lookupCurrent(AUTHID, SECRET, T0)).toBe("hit");
    cache.applyChanges("v4", null);
    expect(cache.lookupCurrent(AUTHID, SECRET, T0)).toBe("miss");
  });

  it("refuses an insert whose token was named, or the cache cleared, after the noted sequence", () => {
    const cache = makeCache();
    cache.applyChanges("v1", null);
    const before = cache.sequence;
    cache.applyChanges("v2", new Set([OTHER]));
    expect(cache.insertUnlessChangedSince(AUTHID, SECRET, before, T0)).toBe(true);
    const beforeOwn = cache.sequence;
    cache.applyChanges("v3", new Set([AUTHID]));
    expect(cache.insertUnlessChangedSince(AUTHID, OTHER_SECRET, beforeOwn, T0)).toBe(false);
    expect(cache.lookupCurrent(AUTHID, OTHER_SECRET, T0)).toBe("miss");
    const beforeClear = cache.sequence;
    cache.applyChanges("v4", null);
    expect(cache.insertUnlessChangedSince(OTHER, OTHER_SECRET, beforeClear, T0)).toBe(false);
  });

  it("answers lookupCurrent within the TTL only, and through the constant-time compare", () => {
    const cache = makeCache({ ttlMs: 1000 });
    cache.applyChanges("v1", null);
    cache.insertUnlessChangedSince(AUTHID, SECRET, cache.sequence, T0);
    expect(cache.lookupCurrent(AUTHID, OTHER_SECRET, T0)).toBe("miss");
    expect(cache.lookupCurrent(AUTHID, SECRET, T0 + 800)).toBe("hit-due");
    expect(cache.lookupCurrent(AUTHID, SECRET, T0 + 1000)).toBe("miss");
    expect(cache.wasVerifiedEarlierCurrent(AUTHID, SECRET)).toBe(true);
  });
});
