import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AccessControl } from "../access/access-control.js";
import { SYSTEM_ACTOR, type AuthContext } from "../access/types.js";
import { LatencyHistogram } from "./auth-metrics.js";
import { ManualClock } from "../core/clock.js";
import { PermissionDeniedError, TooManyRequestsError } from "../core/errors.js";
import { FakeHasher } from "../test-support/fake-hasher.js";
import { MemoryAccessStore } from "../test-support/memory-store.js";

const ALICE: AuthContext = { authid: "alice@pbs", userid: "alice@pbs", tokenName: null, via: "ticket" };
const AUDITOR: AuthContext = { authid: "audit@pbs", userid: "audit@pbs", tokenName: null, via: "ticket" };

describe("LatencyHistogram", () => {
  it("counts each observation into the first bucket whose bound it does not exceed, cumulatively", () => {
    const histogram = new LatencyHistogram([0.01, 0.1, 1]);
    for (const seconds of [0.001, 0.01, 0.05, 0.5, 3]) histogram.observe(seconds);
    const snapshot = histogram.snapshot();
    expect(snapshot.cumulativeCounts).toEqual([2, 3, 4, 5]);
    expect(snapshot.count).toBe(5);
    expect(snapshot.sumS).toBeCloseTo(3.561, 9);
  });

  it("refuses bounds that are not strictly ascending", () => {
    expect(() => new LatencyHistogram([0.1, 0.1])).toThrow(RangeError);
    expect(() => new LatencyHistogram([1, 0.5])).toThrow(RangeError);
  });
});

describe("AccessControl.readMetrics", () => {
  async function setUp() {
    const ac = await AccessControl.open({ store: new MemoryAccessStore(), clock: new ManualClock(), hasher: new FakeHasher() });
    await ac.createUser(SYSTEM_ACTOR, { userid: "alice@pbs", password: "alice-password" });
    await ac.createUser(SYSTEM_ACTOR, { userid: "audit@pbs", password: "audit-password" });
    await ac.updateAcl(SYSTEM_ACTOR, { path: "/system", role: "Audit", authId: "audit@pbs" });
    return ac;
  }

  it("needs Sys.Audit on /system", async () => {
    const ac = await setUp();
    await expect(ac.readMetrics(ALICE)).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(ac.readMetrics(AUDITOR)).resolves.toMatchObject({ throttled: 0 });
  });

  it("counts token cache hits and misses, failures, and slow verifications", async () => {
    const ac = await setUp();
    const { tokenid, value } = await ac.createToken(ALICE, "alice@pbs", "ci", {});
    for (let i = 0; i < 3; i++) expect(await ac.authenticateToken(tokenid, value)).not.toBeNull();
    expect(await ac.authenticateToken(tokenid, randomUUID())).toBeNull();
    expect(await ac.authenticateToken("alice@pbs!nope", randomUUID())).toBeNull();
    const metrics = await ac.readMetrics(AUDITOR);
    expect(metrics.tokenCache).toEqual({ hits: 2, misses: 2, entries: 1, refreshes: 0 });
    expect(metrics.tokenFailures).toBe(2);
    // The unknown id costs a dummy verification through the gate too (finding 8).
    expect(metrics.slowVerifyLatency.count).toBe(3);
    // Three hashes for the two passwords and the secret, three verifications.
    expect(metrics.hashGate).toMatchObject({ started: 6, running: 0, queued: 0, rejected: 0 });
  });

  it("counts ticket cache hits and misses", async () => {
    const ac = await setUp();
    const login = await ac.login({ username: "alice@pbs", password: "alice-password" });
    if (login === null) throw new Error("login failed");
    for (let i = 0; i < 3; i++) expect(await ac.authenticateTicket(login.ticket)).not.toBeNull();
    expect((await ac.readMetrics(AUDITOR)).ticketCache).toEqual({ hits: 2, misses: 1, entries: 1 });
  });

  it("counts refusals by the failure throttle", async () => {
    const ac = await AccessControl.open({
      store: new MemoryAccessStore(),
      clock: new ManualClock(),
      hasher: new FakeHasher(),
      identityThrottle: { maxFailures: 1, windowS: 60 },
    });
    await ac.createUser(SYSTEM_ACTOR, { userid: "alice@pbs", password: "alice-password" });
    const { tokenid } = await ac.createToken(ALICE, "alice@pbs", "ci", {});
    expect(await ac.authenticateToken(tokenid, randomUUID())).toBeNull();
    await expect(ac.authenticateToken(tokenid, randomUUID())).rejects.toBeInstanceOf(TooManyRequestsError);
    expect((await ac.readMetrics(SYSTEM_ACTOR)).throttled).toBe(1);
  });
});
