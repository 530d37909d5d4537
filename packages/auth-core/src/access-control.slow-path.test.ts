/**
 * Issue 4: the slow path (argon2 behind the gate) cannot starve the fast path. A
 * fake hasher that holds every verification until the test lets go counts how
 * many ever ran, and how many ran at once, through the real facade.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AccessControl, SYSTEM_ACTOR } from "./access-control.js";
import type { AccessControlOptions, AuthContext } from "./access-control.js";
import { ManualClock } from "./clock.js";
import { TooManyRequestsError } from "./errors.js";
import type { SecretHasher } from "./password-hash.js";
import { FakeHasher } from "./test-support/fake-hasher.js";
import { MemoryAccessStore } from "./test-support/memory-store.js";

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

  hash(plain: string): Promise<string> {
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
  return { ac, hasher, tokens };
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
    const { ac, hasher, tokens } = await setUp({ sourceThrottle: lenient, identityThrottle: lenient });
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
    expect(metrics.hashGate).toMatchObject({ started: 6, rejected: FLOOD_SIZE - 6, running: 0, queued: 0 });
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

  it("rejects well-formed ids of tokens that do not exist without any hash", async () => {
    const { ac, hasher } = await setUp();
    const calls = Array.from({ length: FLOOD_SIZE }, (_, i) => ac.authenticateToken(`flood${i}@pbs!t${i}`, randomUUID()));
    expect(await settle(calls)).toEqual({ accepted: 0, refused: FLOOD_SIZE, tooMany: 0 });
    expect(hasher.verifies).toBe(0);
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
    const { ac, hasher, tokens } = await setUp();
    const token = tokens[0];
    if (token === undefined) throw new Error("setUp made no tokens");
    hasher.hold();
    const calls = settle(Array.from({ length: 8 }, () => ac.authenticateToken(token.tokenid, token.value)));
    await flushMicrotasks();
    hasher.release();
    expect(await calls).toEqual({ accepted: 8, refused: 0, tooMany: 0 });
    expect(hasher.verifies).toBe(1);
    expect((await ac.readMetrics(SYSTEM_ACTOR)).hashGate).toMatchObject({ started: 1, collapsed: 7 });
  });
});
