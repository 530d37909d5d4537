/**
 * The token-cache invariants of docs/design.md, each proved by a test that fails when
 * the invariant breaks: I1 across real processes on one file data dir, I2 with a
 * verification held open across a rotation, I3 with hand edits and the TTL, I4 on
 * what the cache keeps and how it compares, I5 with disable and expiry.
 */
import { randomUUID, timingSafeEqual } from "node:crypto";
import type * as NodeCrypto from "node:crypto";
import { mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AccessControl } from "./access-control.js";
import { SYSTEM_ACTOR, type AuthContext } from "./types.js";
import { ManualClock } from "../core/clock.js";
import { openFileStore, STORE_FILES } from "../store/file/file-store.js";
import type { SecretHasher } from "../crypto/password-hash.js";
import { isMessageOfType, spawnTsChild } from "../test-support/child-process.js";
import { computeFakeHash, FakeHasher } from "../test-support/fake-hasher.js";
import { MemoryAccessStore } from "../test-support/memory-store.js";
import type { ViolationDetail } from "../test-support/token-verifier-child.js";

// Hoisted above the imports by vitest, so the facade's cache sees the spy.
vi.mock("node:crypto", async (importOriginal) => {
  const original = await importOriginal<typeof NodeCrypto>();
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) };
});

const TOKEN = "alice@pbs!ci";
const CHILD_SCRIPT = fileURLToPath(new URL("../test-support/token-verifier-child.ts", import.meta.url));
const ROTATIONS = 30;
/** Each of token delete, token disable and user disable; 30 revocations besides the rotations. */
const REVOCATIONS_PER_KIND = 10;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function makeDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "gatehouse-invariants-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function openOnFiles(dataDir: string, options: { clock?: ManualClock } = {}) {
  const store = await openFileStore({ dataDir });
  const hasher = new FakeHasher();
  const ac = await AccessControl.open({ store, hasher, ...options });
  cleanups.push(() => ac.close());
  return { store, hasher, ac };
}

async function openInMemory(options: { hasher?: SecretHasher; clock?: ManualClock } = {}) {
  const store = new MemoryAccessStore();
  const hasher = new FakeHasher();
  const ac = await AccessControl.open({ store, hasher: options.hasher ?? hasher, clock: options.clock });
  return { store, hasher, ac };
}

async function createAliceToken(ac: AccessControl, expire = 0): Promise<string> {
  await ac.createUser(SYSTEM_ACTOR, { userid: "alice@pbs" });
  return (await ac.createToken(SYSTEM_ACTOR, "alice@pbs", "ci", { expire })).value;
}

async function regenerate(ac: AccessControl): Promise<string> {
  const rotated = await ac.updateToken(SYSTEM_ACTOR, "alice@pbs", "ci", { regenerate: true });
  if (rotated === null) throw new Error("regenerate returned no secret");
  return rotated.secret;
}

/**
 * Starts `verifier`'s verification of `secret`, holds it inside the hash while
 * `rotator` regenerates the token, optionally starts one more request right after
 * the rotation, then lets the held verification finish. The straddling answer
 * itself is not checked: either is allowed for a request that began before the
 * rotation returned; what it leaves behind is what the I2 tests check.
 */
async function verifyAcrossRotation(
  hasher: HeldHasher,
  verifier: AccessControl,
  rotator: AccessControl,
  secret: string,
  afterRotation?: () => Promise<AuthContext | null>,
): Promise<{ rotated: string; startedAfterRotation: Promise<AuthContext | null> | null }> {
  const hold = hasher.holdNextVerify();
  const straddling = verifier.authenticateToken(TOKEN, secret);
  await hold.started;
  const rotated = await regenerate(rotator);
  const startedAfterRotation = afterRotation?.() ?? null;
  hold.release();
  await straddling;
  return { rotated, startedAfterRotation };
}

interface ChildReport {
  violations: number;
  /** "seq <n> <kind> <path>" -> count. */
  violationsByCause: Record<string, number>;
  /** The first violation of each cause, in full. */
  violationDetails: ViolationDetail[];
  checkedRetired: number;
  acceptedCurrent: number;
  verifications: number;
  metrics: unknown;
}

/** The child's report as the failure message: each violation in full, so a CI log alone explains it. */
function describeReport(report: ChildReport): string {
  const lines = report.violationDetails.map((detail, i) => `  violation ${i + 1}: ${JSON.stringify(detail)}`);
  const { violationDetails: _details, type: _type, ...counts } = report as ChildReport & { type?: string };
  return [`I1 child report: ${JSON.stringify(counts)}`, ...lines].join("\n");
}

describe("I1: revocation is immediate across processes", () => {
  it("never lets a process accept a revoked secret in a request that started after it learnt of the revocation", async () => {
    const dataDir = await makeDataDir();
    const { ac } = await openOnFiles(dataDir);
    let current = await createAliceToken(ac);

    const child = spawnTsChild(CHILD_SCRIPT, [dataDir, TOKEN]);
    cleanups.push(async () => {
      child.kill();
      await child.exited;
    });
    await child.nextMessage(isMessageOfType("ready"));

    let seq = 0;
    // Sent only after the mutation has returned; the ack means the child has run
    // verifications under the new state, so every mutation is actually exercised.
    const announce = async (kind: string, retired: string[], next: string | null) => {
      seq += 1;
      child.send({ type: "state", seq, kind, current: next, retired });
      const expected = seq;
      await child.nextMessage((m) => isMessageOfType("ack")(m) && (m as { seq: number }).seq === expected, 20_000);
    };
    await announce("create-token", [], current);

    for (let i = 0; i < ROTATIONS; i += 1) {
      const next = await regenerate(ac);
      await announce("rotate", [current], next);
      current = next;
    }
    for (let i = 0; i < REVOCATIONS_PER_KIND; i += 1) {
      await ac.deleteToken(SYSTEM_ACTOR, "alice@pbs", "ci");
      await announce("delete-token", [current], null);
      current = (await ac.createToken(SYSTEM_ACTOR, "alice@pbs", "ci", {})).value;
      await announce("create-token", [], current);
    }
    for (let i = 0; i < REVOCATIONS_PER_KIND; i += 1) {
      await ac.updateToken(SYSTEM_ACTOR, "alice@pbs", "ci", { enable: false });
      await announce("disable-token", [current], null);
      current = await regenerate(ac);
      await ac.updateToken(SYSTEM_ACTOR, "alice@pbs", "ci", { enable: true });
      await announce("rotate-then-enable-token", [], current);
    }
    for (let i = 0; i < REVOCATIONS_PER_KIND; i += 1) {
      await ac.updateUser(SYSTEM_ACTOR, "alice@pbs", { enable: false });
      await announce("disable-user", [current], null);
      current = await regenerate(ac);
      await ac.updateUser(SYSTEM_ACTOR, "alice@pbs", { enable: true });
      await announce("rotate-then-enable-user", [], current);
    }

    child.send({ type: "stop" });
    const report = (await child.nextMessage(isMessageOfType("report"), 20_000)) as ChildReport;
    expect(report.violations, describeReport(report)).toBe(0);
    // Not vacuous: retired secrets were tried after each revocation was known, and the live ones worked.
    expect(report.checkedRetired).toBeGreaterThanOrEqual(ROTATIONS + 3 * REVOCATIONS_PER_KIND);
    expect(report.acceptedCurrent).toBeGreaterThan(0);
    expect((await child.exited).code).toBe(0);
  }, 120_000);
});

/** A hasher whose verify waits until the test releases it, to hold a verification open. */
class HeldHasher implements SecretHasher {
  readonly inner = new FakeHasher();
  private held: { started: () => void; release: Promise<void> } | null = null;

  hash(plain: string): Promise<string> {
    return this.inner.hash(plain);
  }

  async verify(hash: string, plain: string): Promise<boolean> {
    const held = this.held;
    this.held = null;
    if (held !== null) {
      held.started();
      await held.release;
    }
    return this.inner.verify(hash, plain);
  }

  /** The next verify blocks; resolves `started` once it has begun. */
  holdNextVerify(): { started: Promise<void>; release: () => void } {
    let release!: () => void;
    let started!: () => void;
    const startedPromise = new Promise<void>((resolve) => (started = resolve));
    this.held = { started, release: new Promise<void>((resolve) => (release = resolve)) };
    return { started: startedPromise, release };
  }
}

describe("I2: no zombie inserts", () => {
  it("does not cache a secret whose verification straddled a rotation in the same process", async () => {
    const hasher = new HeldHasher();
    const { ac } = await openInMemory({ hasher });
    const old = await createAliceToken(ac);

    // Started before the rotation returned, so either answer is allowed for it...
    const { rotated } = await verifyAcrossRotation(hasher, ac, ac, old);

    // ...but it must not have left the old secret in the cache: the next attempt
    // reaches the hasher again and fails against the new hash.
    const verifiesBefore = hasher.inner.verifies;
    expect(await ac.authenticateToken(TOKEN, old)).toBeNull();
    expect(hasher.inner.verifies).toBe(verifiesBefore + 1);
    expect(await ac.authenticateToken(TOKEN, rotated)).not.toBeNull();
  });

  it("does not cache a secret whose verification straddled a rotation made by another process", async () => {
    const hasher = new HeldHasher();
    const store = new MemoryAccessStore();
    const worker = await AccessControl.open({ store, hasher });
    const admin = await AccessControl.open({ store: store.openSibling(), hasher: new FakeHasher() });
    const old = await createAliceToken(admin);

    await verifyAcrossRotation(hasher, worker, admin, old);

    const verifiesBefore = hasher.inner.verifies;
    expect(await worker.authenticateToken(TOKEN, old)).toBeNull();
    expect(hasher.inner.verifies).toBe(verifiesBefore + 1);
  });

  it("does not hand a verification begun before a rotation to a request that started after it", async () => {
    const hasher = new HeldHasher();
    const { ac } = await openInMemory({ hasher });
    const old = await createAliceToken(ac);

    // Same token and secret as the verification in flight: it must not join it.
    const { startedAfterRotation } = await verifyAcrossRotation(hasher, ac, ac, old, () => ac.authenticateToken(TOKEN, old));
    expect(await startedAfterRotation).toBeNull();
  });
});

describe("I3: out-of-band edits are seen", () => {
  it("sees a hand-replaced token.shadow on the next request, with no generation bump", async () => {
    const dataDir = await makeDataDir();
    const { ac, store } = await openOnFiles(dataDir);
    const old = await createAliceToken(ac);
    expect(await ac.authenticateToken(TOKEN, old)).not.toBeNull();

    const generationsBefore = await readFile(join(dataDir, STORE_FILES.generations));
    const replacement = randomUUID();
    const shadowPath = store.pathOf(STORE_FILES.tokenShadow);
    const shadow = JSON.parse(await readFile(shadowPath, "utf8")) as Record<string, string>;
    shadow[TOKEN] = computeFakeHash(replacement);
    // As an editor saves: a new file renamed over the old one.
    await writeFile(`${shadowPath}.edit`, `${JSON.stringify(shadow, null, 2)}\n`, { mode: 0o600 });
    await rename(`${shadowPath}.edit`, shadowPath);

    expect(await ac.authenticateToken(TOKEN, old)).toBeNull();
    expect(await ac.authenticateToken(TOKEN, replacement)).not.toBeNull();
    expect(await readFile(join(dataDir, STORE_FILES.generations))).toEqual(generationsBefore);
  });

  it("sees a deleted token.shadow on the next request, with no generation bump", async () => {
    const dataDir = await makeDataDir();
    const { ac, store } = await openOnFiles(dataDir);
    const secret = await createAliceToken(ac);
    expect(await ac.authenticateToken(TOKEN, secret)).not.toBeNull();

    const generationsBefore = await readFile(join(dataDir, STORE_FILES.generations));
    await rm(store.pathOf(STORE_FILES.tokenShadow));

    expect(await ac.authenticateToken(TOKEN, secret)).toBeNull();
    expect(await readFile(join(dataDir, STORE_FILES.generations))).toEqual(generationsBefore);
  });

  it("re-verifies within the TTL even when the store's versions never change", async () => {
    const clock = new ManualClock();
    const store = new MemoryAccessStore();
    const hasher = new FakeHasher();
    const ac = await AccessControl.open({ store, hasher, clock, tokenCacheTtlS: 30 });
    const old = await createAliceToken(ac);
    expect(await ac.authenticateToken(TOKEN, old)).not.toBeNull();

    // An edit no version sees: the backend's state changes, the generations do not.
    const replacement = randomUUID();
    const versionsBefore = await store.readVersions();
    store.backend.state.tokenHashes[TOKEN] = computeFakeHash(replacement);
    expect(await store.readVersions()).toEqual(versionsBefore);

    clock.advanceSeconds(29);
    // Still inside the TTL: the cache answers, proving the versions did not give the edit away.
    expect(await ac.authenticateToken(TOKEN, old)).not.toBeNull();
    clock.advanceSeconds(1);
    expect(await ac.authenticateToken(TOKEN, old)).toBeNull();
    expect(await ac.authenticateToken(TOKEN, replacement)).not.toBeNull();
  });
});

/** Every string and byte sequence reachable from `root` through properties and Map/Set entries. */
function collectReachableData(root: unknown): { strings: string[]; buffers: Buffer[] } {
  const strings: string[] = [];
  const buffers: Buffer[] = [];
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0 && seen.size < 200_000) {
    const value = stack.pop();
    if (typeof value === "string") strings.push(value);
    if ((typeof value !== "object" && typeof value !== "function") || value === null || seen.has(value)) continue;
    seen.add(value);
    if (value instanceof Uint8Array) {
      buffers.push(Buffer.from(value));
      continue;
    }
    if (value instanceof Map) for (const [k, v] of value) stack.push(k, v);
    if (value instanceof Set) for (const v of value) stack.push(v);
    for (const key of Reflect.ownKeys(value)) {
      if (typeof key === "string") strings.push(key);
      const descriptor = Reflect.getOwnPropertyDescriptor(value, key);
      if (descriptor !== undefined && "value" in descriptor) stack.push(descriptor.value);
    }
  }
  return { strings, buffers };
}

describe("I4: constant-time comparison of keyed digests", () => {
  it("keeps no plaintext secret anywhere reachable from the facade after caching it", async () => {
    const { ac } = await openInMemory();
    const secret = await createAliceToken(ac);
    expect(await ac.authenticateToken(TOKEN, secret)).not.toBeNull();
    expect(await ac.authenticateToken(TOKEN, secret)).not.toBeNull();

    const { strings, buffers } = collectReachableData(ac);
    expect(strings.length).toBeGreaterThan(0);
    const secretBytes = Buffer.from(secret, "utf8");
    const hexSecret = secret.replaceAll("-", "");
    for (const s of strings) {
      expect(s.includes(secret)).toBe(false);
      expect(s.includes(hexSecret)).toBe(false);
    }
    for (const b of buffers) expect(b.includes(secretBytes)).toBe(false);
  });

  it("never caches a wrong secret as a success", async () => {
    const { ac, hasher } = await openInMemory();
    await createAliceToken(ac);
    for (let i = 1; i <= 3; i += 1) {
      expect(await ac.authenticateToken(TOKEN, randomUUID())).toBeNull();
      expect(hasher.verifies).toBe(i);
    }
    // A repeated wrong secret is remembered as wrong (bounded negative state), never as right.
    const wrong = randomUUID();
    for (let i = 0; i < 3; i += 1) expect(await ac.authenticateToken(TOKEN, wrong)).toBeNull();
    expect(hasher.verifies).toBe(4);
  });

  it("answers a cached request through timingSafeEqual, for a match and a mismatch alike", async () => {
    const { ac, hasher } = await openInMemory();
    const secret = await createAliceToken(ac);
    expect(await ac.authenticateToken(TOKEN, secret)).not.toBeNull();
    vi.mocked(timingSafeEqual).mockClear();
    const verifiesBefore = hasher.verifies;

    expect(await ac.authenticateToken(TOKEN, secret)).not.toBeNull();
    expect(vi.mocked(timingSafeEqual)).toHaveBeenCalledTimes(1);
    expect(hasher.verifies).toBe(verifiesBefore);

    expect(await ac.authenticateToken(TOKEN, randomUUID())).toBeNull();
    expect(vi.mocked(timingSafeEqual)).toHaveBeenCalledTimes(2);
  });
});

describe("I5: no stale config", () => {
  it("rejects a cached token on the next request after its user is disabled", async () => {
    const { ac, hasher } = await openInMemory();
    const secret = await createAliceToken(ac);
    expect(await ac.authenticateToken(TOKEN, secret)).not.toBeNull();
    await ac.updateUser(SYSTEM_ACTOR, "alice@pbs", { enable: false });
    const verifiesBefore = hasher.verifies;
    expect(await ac.authenticateToken(TOKEN, secret)).toBeNull();
    // Not from the cache: the only hash is the dummy that hides whether the id is usable (finding 8).
    expect(hasher.verifies).toBe(verifiesBefore + 1);
  });

  it("rejects a cached token on the next request after it is disabled by another process", async () => {
    const store = new MemoryAccessStore();
    const worker = await AccessControl.open({ store, hasher: new FakeHasher() });
    const admin = await AccessControl.open({ store: store.openSibling(), hasher: new FakeHasher() });
    const secret = await createAliceToken(admin);
    expect(await worker.authenticateToken(TOKEN, secret)).not.toBeNull();
    await admin.updateToken(SYSTEM_ACTOR, "alice@pbs", "ci", { enable: false });
    expect(await worker.authenticateToken(TOKEN, secret)).toBeNull();
  });

  it("re-checks the config after the hash, so a disable that lands while argon2 runs wins", async () => {
    const hasher = new HeldHasher();
    const { ac } = await openInMemory({ hasher });
    const secret = await createAliceToken(ac);
    const hold = hasher.holdNextVerify();
    const verifying = ac.authenticateToken(TOKEN, secret);
    await hold.started;
    await ac.updateToken(SYSTEM_ACTOR, "alice@pbs", "ci", { enable: false });
    hold.release();
    expect(await verifying).toBeNull();
  });

  it("rejects a cached token once its expiry passes, with no store change at all", async () => {
    const clock = new ManualClock();
    const { ac, store } = await openInMemory({ clock });
    const nowS = Math.floor(clock.nowMs() / 1000);
    const secret = await createAliceToken(ac, nowS + 5);
    expect(await ac.authenticateToken(TOKEN, secret)).not.toBeNull();
    const versions = await store.readVersions();
    clock.advanceSeconds(4);
    expect(await ac.authenticateToken(TOKEN, secret)).not.toBeNull();
    clock.advanceSeconds(1);
    expect(await ac.authenticateToken(TOKEN, secret)).toBeNull();
    expect(await store.readVersions()).toEqual(versions);
  });

  it("rejects a cached token once its user's expiry passes", async () => {
    const clock = new ManualClock();
    const { ac } = await openInMemory({ clock });
    const secret = await createAliceToken(ac);
    const nowS = Math.floor(clock.nowMs() / 1000);
    await ac.updateUser(SYSTEM_ACTOR, "alice@pbs", { expire: nowS + 5 });
    expect(await ac.authenticateToken(TOKEN, secret)).not.toBeNull();
    clock.advanceSeconds(5);
    expect(await ac.authenticateToken(TOKEN, secret)).toBeNull();
  });
});
