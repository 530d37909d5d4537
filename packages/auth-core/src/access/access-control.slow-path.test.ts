/**
 * Issue 4: the slow path (argon2 behind the gate) cannot starve the fast path. A
 * fake hasher that holds every verification until the test lets go counts how
 * many ever ran, and how many ran at once, through the real facade.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AccessControl } from "./access-control.js";
import { SYSTEM_ACTOR, type AccessControlOptions, type AuthContext } from "./types.js";
import { ManualClock } from "../core/clock.js";
import { TooManyRequestsError } from "../core/errors.js";
import type { SecretHasher } from "../crypto/password-hash.js";
import { FakeHasher } from "../test-support/fake-hasher.js";
import { MemoryAccessStore } from "../test-support/memory-store.js";

const ALICE: AuthContext = { authid: "alice@pbs", userid: "alice@pbs", tokenName: null, via: "ticket" };
const FLOOD_SIZE = 200;

/** Verifications wait while `hold` is on; counts every call and the most at once. */
class HeldHasher implements SecretHasher {
  private readonly fake = new FakeHasher();
  private waiters: (() => void)[] = [];
  private held = false;
  verifies = 0;
  running = 0;
  maxRunning = 0;

  hashes = 0;
  /** Also hold new hashes (password set, secret issued), not only verifications. */
  holdHashes = false;

  async hash(plain: string): Promise<string> {
    this.hashes++;
    if (this.held && this.holdHashes) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.fake.hash(plain);
  }

  async verify(hash: string, plain: string): Promise<boolean> {
    this.verifies++;
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      if (this.held) await new Promise<void>((resolve) => this.waiters.push(resolve));
      return await this.fake.verify(hash, plain);
    } finally {
      this.running--;
    }
  }

  hold(): void {
    this.held = true;
  }

  release(): void {
    this.held = false;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

async function setUp(options: Partial<AccessControlOptions> = {}) {
  const hasher = new HeldHasher();
  const ac = await AccessControl.open({
    store: new MemoryAccessStore(),
    clock: new ManualClock(),
    hasher,
    hashConcurrency: 2,
    hashQueueLimit: 4,
    ...options,
  });
  await ac.createUser(SYSTEM_ACTOR, { userid: "alice@pbs", password: "alice-password" });
  const tokens = [];
  for (const name of ["a", "b", "c", "d"]) tokens.push(await ac.createToken(ALICE, "alice@pbs", name, {}));
  hasher.verifies = 0;
  hasher.maxRunning = 0;
  // The hashes made for the user and the tokens went through the gate too.
  const startedInSetUp = (await ac.readMetrics(SYSTEM_ACTOR)).hashGate.started;
  return { ac, hasher, tokens, startedInSetUp };
}

/** Lets every already-scheduled promise callback run. */
async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Settles every call (handlers attach at once); a 429 counts as too many, anything else thrown fails the test. */
async function settle(calls: Promise<AuthContext | null>[]) {
  const outcomes = await Promise.allSettled(calls);
  let accepted = 0;
  let refused = 0;
  let tooMany = 0;
  for (const outcome of outcomes) {
    if (outcome.status === "fulfilled") {
      if (outcome.value === null) refused++;
      else accepted++;
    } else {
      expect(outcome.reason).toBeInstanceOf(TooManyRequestsError);
      tooMany++;
    }
  }
  return { accepted, refused, tooMany };
}

describe("AccessControl slow path under a flood of wrong secrets", () => {
  it("never runs argon2 more often, or more at once, than the gate allows", async () => {
    // Throttles out of the way: the gate alone must hold, as against a botnet.
    const lenient = { maxFailures: 1_000_000, windowS: 60 };
    const { ac, hasher, tokens, startedInSetUp } = await setUp({
      sourceThrottle: lenient,
      identityThrottle: lenient,
      identityCeiling: lenient,
    });
    hasher.hold();
    const flood = settle(
      Array.from({ length: FLOOD_SIZE }, (_, i) =>
        ac.authenticateToken(tokens[i % tokens.length]?.tokenid ?? "", randomUUID(), `10.0.${i % 250}.1`),
      ),
    );
    await flushMicrotasks();
    // Two running and four queued; everything else was refused without a hash.
    expect(hasher.verifies).toBe(2);
    hasher.release();
    expect(await flood).toEqual({ accepted: 0, refused: 6, tooMany: FLOOD_SIZE - 6 });
    expect(hasher.verifies).toBe(6);
    expect(hasher.maxRunning).toBe(2);
    const metrics = await ac.readMetrics(SYSTEM_ACTOR);
    expect(metrics.hashGate).toMatchObject({ started: startedInSetUp + 6, rejected: FLOOD_SIZE - 6, running: 0, queued: 0 });
  });

  it("with the default throttles, a flood on one token id from one source runs argon2 only up to the failure limit", async () => {
    const { ac, hasher, tokens } = await setUp({
      sourceThrottle: { maxFailures: 5, windowS: 60 },
      identityThrottle: { maxFailures: 3, windowS: 60 },
      hashQueueLimit: 1000,
    });
    const target = tokens[0]?.tokenid ?? "";
    // One after another, as a client waiting for each answer would send them.
    const outcomes = [];
    for (let i = 0; i < 50; i++) outcomes.push(await settle([ac.authenticateToken(target, randomUUID(), "10.0.0.9")]));
    expect(hasher.verifies).toBe(3);
    expect(outcomes.filter((o) => o.tooMany === 1)).toHaveLength(47);
  });

  it("answers well-formed ids of tokens that do not exist with a dummy hash, bounded by the same gate (finding 8)", async () => {
    const { ac, hasher } = await setUp();
    hasher.hold();
    const calls = settle(Array.from({ length: FLOOD_SIZE }, (_, i) => ac.authenticateToken(`flood${i}@pbs!t${i}`, randomUUID())));
    await flushMicrotasks();
    expect(hasher.verifies).toBe(2);
    hasher.release();
    expect(await calls).toEqual({ accepted: 0, refused: 6, tooMany: FLOOD_SIZE - 6 });
    expect(hasher.verifies).toBe(6);
  });

  it("lets one address hold only its share of the gate, so another address's login is admitted (finding 4)", async () => {
    const { ac, hasher } = await setUp({ hashQueueLimit: 32, hashLimitPerActor: 2 });
    hasher.hold();
    const flood = Array.from({ length: 40 }, (_, i) => ac.login({ username: "alice@pbs", password: `guess-${i}`, source: "10.0.0.9" }));
    const floodOutcomes = Promise.allSettled(flood);
    await flushMicrotasks();
    const admin = ac.login({ username: "alice@pbs", password: "alice-password", source: "10.0.0.1" });
    await flushMicrotasks();
    const gate = (await ac.readMetrics(SYSTEM_ACTOR)).hashGate;
    // The flooding address got its four tasks in; the other 36 were refused at once, and the login from elsewhere waits its turn.
    expect(gate).toMatchObject({ rejectedOwner: 36, rejected: 0, running: 2, queued: 3 });
    hasher.release();
    expect((await admin)?.username).toBe("alice@pbs");
    const settled = await floodOutcomes;
    expect(settled.filter((o) => o.status === "rejected")).toHaveLength(36);
  });

  it("answers cached requests while the gate is full and its queue overflows", async () => {
    const { ac, hasher, tokens } = await setUp({ hashConcurrency: 1, hashQueueLimit: 1 });
    const [cached, other] = tokens;
    if (cached === undefined || other === undefined) throw new Error("setUp made no tokens");
    expect(await ac.authenticateToken(cached.tokenid, cached.value)).not.toBeNull();
    const verifiesBefore = hasher.verifies;

    hasher.hold();
    const flood = settle(Array.from({ length: 20 }, () => ac.authenticateToken(other.tokenid, randomUUID())));
    await flushMicrotasks();
    expect((await ac.readMetrics(SYSTEM_ACTOR)).hashGate).toMatchObject({ running: 1, queued: 1 });

    // Every hash is still held: a cached request that queued behind them would never settle.
    const answers = await Promise.all(Array.from({ length: 10 }, () => ac.authenticateToken(cached.tokenid, cached.value)));
    expect(answers.every((auth) => auth?.authid === cached.tokenid)).toBe(true);
    // Only the one flood verification that got the slot has run.
    expect(hasher.verifies).toBe(verifiesBefore + 1);

    hasher.release();
    expect(await flood).toEqual({ accepted: 0, refused: 2, tooMany: 18 });
  });

  it("collapses concurrent verifications of the same id and secret into one argon2 run", async () => {
    const { ac, hasher, tokens, startedInSetUp } = await setUp();
    const token = tokens[0];
    if (token === undefined) throw new Error("setUp made no tokens");
    hasher.hold();
    const calls = settle(Array.from({ length: 8 }, () => ac.authenticateToken(token.tokenid, token.value)));
    await flushMicrotasks();
    hasher.release();
    expect(await calls).toEqual({ accepted: 8, refused: 0, tooMany: 0 });
    expect(hasher.verifies).toBe(1);
    expect((await ac.readMetrics(SYSTEM_ACTOR)).hashGate).toMatchObject({ started: startedInSetUp + 1, collapsed: 7 });
  });
});

describe("AccessControl: every new hash goes through the gate, as a task of the acting user (finding 5)", () => {
  const BOB: AuthContext = { authid: "bob@pbs", userid: "bob@pbs", tokenName: null, via: "ticket" };

  it("one user's 40 concurrent password changes hold only its share, and an admin's login is admitted meanwhile", async () => {
    const { ac, hasher } = await setUp({ hashQueueLimit: 32, hashLimitPerActor: 2, hashBacklogPerActor: 8 });
    await ac.createUser(SYSTEM_ACTOR, { userid: "admin@pbs", password: "admin-password" });
    hasher.hold();
    hasher.holdHashes = true;
    const changes = Promise.allSettled(Array.from({ length: 40 }, (_, i) => ac.setPassword(ALICE, "alice@pbs", `new-password-${i}`)));
    await flushMicrotasks();
    let gate = (await ac.readMetrics(SYSTEM_ACTOR)).hashGate;
    // Alice's two hashes fill both slots: they are in the gate, not beside it. Eight more
    // wait in her own backlog, outside the gate's queue; the other thirty are refused.
    expect(gate).toMatchObject({ running: 2, queued: 0, backlogged: 8, rejectedOwner: 30 });
    const admin = ac.login({ username: "admin@pbs", password: "admin-password", source: "10.0.0.1" });
    await flushMicrotasks();
    gate = (await ac.readMetrics(SYSTEM_ACTOR)).hashGate;
    expect(gate).toMatchObject({ running: 2, queued: 1, backlogged: 8, rejected: 0 });
    hasher.release();
    expect((await admin)?.username).toBe("admin@pbs");
    const settled = await changes;
    expect(settled.filter((o) => o.status === "fulfilled")).toHaveLength(10);
    for (const o of settled) if (o.status === "rejected") expect(o.reason).toBeInstanceOf(TooManyRequestsError);
  });

  it("user create, password set, token create and regenerate all take a gate slot", async () => {
    const { ac, hasher, startedInSetUp } = await setUp();
    const started = async () => (await ac.readMetrics(SYSTEM_ACTOR)).hashGate.started - startedInSetUp;
    await ac.createUser(SYSTEM_ACTOR, { userid: "bob@pbs", password: "bob-password" });
    expect(await started()).toBe(1);
    await ac.setPassword(SYSTEM_ACTOR, "bob@pbs", "bob-password-2");
    expect(await started()).toBe(2);
    await ac.updateUser(SYSTEM_ACTOR, "bob@pbs", { password: "bob-password-3" });
    expect(await started()).toBe(3);
    await ac.createToken(BOB, "bob@pbs", "ci", {});
    expect(await started()).toBe(4);
    await ac.updateToken(BOB, "bob@pbs", "ci", { regenerate: true });
    expect(await started()).toBe(5);
    expect(hasher.hashes).toBe(5 + 5);
  });
});
