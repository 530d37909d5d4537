import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.js";
import { CredentialThrottle, FailureThrottle } from "./throttle.js";

function createThrottle(overrides: { maxFailures?: number; windowS?: number; maxKeys?: number } = {}) {
  const clock = new ManualClock();
  const throttle = new FailureThrottle({ clock, maxFailures: 3, windowS: 60, maxKeys: 100, ...overrides });
  return { clock, throttle };
}

function failTimes(throttle: FailureThrottle, key: string, times: number): void {
  for (let i = 0; i < times; i++) throttle.recordFailure(key);
}

describe("FailureThrottle", () => {
  it("allows a key without failures", () => {
    const { throttle } = createThrottle();
    expect(throttle.retryAfterS("10.0.0.1")).toBeNull();
  });

  it("allows a key below the failure limit and refuses it at the limit", () => {
    const { throttle } = createThrottle();
    failTimes(throttle, "10.0.0.1", 2);
    expect(throttle.retryAfterS("10.0.0.1")).toBeNull();
    throttle.recordFailure("10.0.0.1");
    expect(throttle.retryAfterS("10.0.0.1")).toBe(60);
  });

  it("counts down the wait and allows the key again when the window ends", () => {
    const { clock, throttle } = createThrottle();
    failTimes(throttle, "k", 3);
    clock.advanceSeconds(20);
    expect(throttle.retryAfterS("k")).toBe(40);
    clock.advanceMs(39_500);
    expect(throttle.retryAfterS("k")).toBe(1);
    clock.advanceMs(500);
    expect(throttle.retryAfterS("k")).toBeNull();
  });

  it("starts the window at the first failure, so old failures stop counting", () => {
    const { clock, throttle } = createThrottle();
    failTimes(throttle, "k", 2);
    clock.advanceSeconds(60);
    failTimes(throttle, "k", 2);
    expect(throttle.retryAfterS("k")).toBeNull();
    throttle.recordFailure("k");
    expect(throttle.retryAfterS("k")).toBe(60);
  });

  it("keeps keys apart", () => {
    const { throttle } = createThrottle();
    failTimes(throttle, "user:alice@pbs", 3);
    expect(throttle.retryAfterS("user:alice@pbs")).not.toBeNull();
    expect(throttle.retryAfterS("user:bob@pbs")).toBeNull();
  });

  it("forgets a key's failures on success", () => {
    const { throttle } = createThrottle();
    failTimes(throttle, "k", 3);
    throttle.recordSuccess("k");
    expect(throttle.retryAfterS("k")).toBeNull();
    failTimes(throttle, "k", 2);
    expect(throttle.retryAfterS("k")).toBeNull();
  });

  it("rounds a partial second up so that Retry-After is never 0", () => {
    const { clock, throttle } = createThrottle({ maxFailures: 1, windowS: 0.5 });
    throttle.recordFailure("k");
    expect(throttle.retryAfterS("k")).toBe(1);
    clock.advanceMs(499);
    expect(throttle.retryAfterS("k")).toBe(1);
    clock.advanceMs(1);
    expect(throttle.retryAfterS("k")).toBeNull();
  });

  it("never asks for more than one window when the clock is set back", () => {
    const { clock, throttle } = createThrottle({ maxFailures: 1 });
    throttle.recordFailure("k");
    clock.advanceSeconds(-30);
    expect(throttle.retryAfterS("k")).toBe(60);
    clock.advanceSeconds(-31);
    expect(throttle.retryAfterS("k")).toBeNull();
  });

  it("remembers at most maxKeys keys, forgetting the least recently used", () => {
    const { throttle } = createThrottle({ maxFailures: 1, maxKeys: 3 });
    for (const key of ["a", "b", "c"]) throttle.recordFailure(key);
    expect(throttle.retryAfterS("a")).not.toBeNull();
    throttle.recordFailure("d");
    expect(throttle.size).toBe(3);
    expect(throttle.retryAfterS("b")).toBeNull();
    expect(throttle.retryAfterS("a")).not.toBeNull();
    expect(throttle.retryAfterS("d")).not.toBeNull();
  });

  it("stays within maxKeys under a flood of distinct keys", () => {
    const { throttle } = createThrottle({ maxKeys: 50 });
    for (let i = 0; i < 1000; i++) throttle.recordFailure(`10.0.${i >> 8}.${i & 255}`);
    expect(throttle.size).toBe(50);
  });

  it("validates its options eagerly", () => {
    const clock = new ManualClock();
    expect(() => new FailureThrottle({ clock, maxFailures: 0, windowS: 60, maxKeys: 1 })).toThrow(RangeError);
    expect(() => new FailureThrottle({ clock, maxFailures: 1.5, windowS: 60, maxKeys: 1 })).toThrow(RangeError);
    expect(() => new FailureThrottle({ clock, maxFailures: 1, windowS: 0, maxKeys: 1 })).toThrow(RangeError);
    expect(() => new FailureThrottle({ clock, maxFailures: 1, windowS: Number.NaN, maxKeys: 1 })).toThrow(RangeError);
    expect(() => new FailureThrottle({ clock, maxFailures: 1, windowS: 60, maxKeys: 0 })).toThrow(RangeError);
  });
});

describe("FailureThrottle with credential fingerprints", () => {
  it("counts each distinct credential once, so one repeated wrong secret never reaches the limit", () => {
    const { throttle } = createThrottle();
    for (let i = 0; i < 50; i++) throttle.recordFailure("k", "same-wrong-secret");
    expect(throttle.failuresOf("k")).toBe(1);
    expect(throttle.retryAfterS("k")).toBeNull();
    throttle.recordFailure("k", "guess-2");
    throttle.recordFailure("k", "guess-3");
    expect(throttle.retryAfterS("k")).toBe(60);
  });
});

describe("CredentialThrottle (I7)", () => {
  function createCredentialThrottle() {
    const clock = new ManualClock();
    const throttle = new CredentialThrottle({
      clock,
      perSource: { maxFailures: 5, windowS: 60 },
      perIdAndSource: { maxFailures: 2, windowS: 60 },
      perIdCeiling: { maxFailures: 4, windowS: 60 },
      maxKeys: 100,
    });
    const fail = (id: string, source: string, guess: string) =>
      throttle.recordFailure(id, source, throttle.fingerprint(id, guess), "hash-1");
    return { clock, throttle, fail };
  }

  it("throttles an (id, address) pair without touching the same id from another address", () => {
    const { throttle, fail } = createCredentialThrottle();
    fail("token:a", "10.0.0.9", "g1");
    fail("token:a", "10.0.0.9", "g2");
    expect(throttle.retryAfterS("token:a", "10.0.0.9")).toBe(60);
    expect(throttle.retryAfterS("token:a", "10.0.0.1")).toBeNull();
  });

  it("applies the id's ceiling only to addresses that failed on the id, and never to a credential verified before", () => {
    const { throttle, fail } = createCredentialThrottle();
    for (let source = 0; source < 4; source++) fail("token:a", `10.9.0.${source}`, `g${source}`);
    // The ceiling is reached: an address with a failure of its own waits...
    expect(throttle.retryAfterS("token:a", "10.9.0.1")).toBe(60);
    expect(throttle.retryAfterS("token:a", "10.9.0.1", () => true)).toBeNull();
    // ...one without any is always checked.
    expect(throttle.retryAfterS("token:a", "10.0.0.1")).toBeNull();
  });

  it("remembers a wrong credential against what it was checked with, and forgets it when that changes", () => {
    const { throttle } = createCredentialThrottle();
    const fingerprint = throttle.fingerprint("token:a", "old-secret");
    throttle.recordFailure("token:a", "10.0.0.1", fingerprint, "hash-1");
    expect(throttle.isKnownWrong("token:a", fingerprint, "hash-1")).toBe(true);
    expect(throttle.isKnownWrong("token:a", fingerprint, "hash-2")).toBe(false);
    expect(throttle.isKnownWrong("token:b", throttle.fingerprint("token:b", "old-secret"), "hash-1")).toBe(false);
  });

  it("a success clears the address's run on the id but leaves the ceiling", () => {
    const { throttle, fail } = createCredentialThrottle();
    for (let source = 0; source < 4; source++) fail("user:alice@pbs", `10.9.0.${source}`, `g${source}`);
    throttle.recordSuccess("user:alice@pbs", "10.9.0.1");
    expect(throttle.retryAfterS("user:alice@pbs", "10.9.0.1")).toBeNull();
    expect(throttle.retryAfterS("user:alice@pbs", "10.9.0.2")).toBe(60);
  });
});
