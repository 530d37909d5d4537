import { describe, expect, it } from "vitest";
import {
  computeReconnectDelayMs,
  formatStoreVersions,
  parseChangeNotification,
  parseGenerationNotification,
  PostgresGenerationListener,
} from "./postgres-listener.js";

describe("computeReconnectDelayMs", () => {
  const backoff = { initialDelayMs: 100, maxDelayMs: 10_000 };

  it("stays between half and all of a ceiling that doubles per attempt", () => {
    for (let attempt = 0; attempt < 7; attempt += 1) {
      const ceiling = 100 * 2 ** attempt;
      expect(computeReconnectDelayMs(attempt, backoff, () => 0)).toBe(ceiling / 2);
      expect(computeReconnectDelayMs(attempt, backoff, () => 1)).toBe(ceiling);
    }
  });

  it("never exceeds the maximum, however many attempts failed", () => {
    for (const attempt of [7, 8, 20, 1_000, Number.MAX_SAFE_INTEGER]) {
      expect(computeReconnectDelayMs(attempt, backoff, () => 1)).toBe(10_000);
      expect(computeReconnectDelayMs(attempt, backoff, () => 0)).toBe(5_000);
    }
  });

  it("spreads nodes out: different random draws give different delays", () => {
    const delays = new Set([0.1, 0.3, 0.5, 0.7, 0.9].map((r) => computeReconnectDelayMs(4, backoff, () => r)));
    expect(delays.size).toBe(5);
  });

  it("clamps a random source that leaves [0, 1]", () => {
    expect(computeReconnectDelayMs(0, backoff, () => 5)).toBe(100);
    expect(computeReconnectDelayMs(0, backoff, () => -5)).toBe(50);
  });
});

describe("parseGenerationNotification", () => {
  it("reads the generations of its own schema", () => {
    expect(parseGenerationNotification('{"schema":"gatehouse","secrets":"12","config":"7"}', "gatehouse")).toEqual({
      secrets: 12n,
      config: 7n,
    });
  });

  it("ignores another schema's notification", () => {
    expect(parseGenerationNotification('{"schema":"other","secrets":"12","config":"7"}', "gatehouse")).toBeNull();
  });

  it("returns null instead of throwing for payloads that do not parse", () => {
    const bad = [
      undefined,
      "",
      "not json",
      "null",
      "[]",
      '{"schema":"gatehouse"}',
      '{"schema":"gatehouse","secrets":12,"config":"7"}',
      '{"schema":"gatehouse","secrets":"-1","config":"7"}',
      '{"schema":"gatehouse","secrets":"1.5","config":"7"}',
      '{"schema":"gatehouse","secrets":"01","config":"7"}',
      `{"schema":"gatehouse","secrets":"1","config":"7","pad":"${"x".repeat(8_000)}"}`,
    ];
    for (const payload of bad) expect(parseGenerationNotification(payload, "gatehouse")).toBeNull();
  });
});

describe("formatStoreVersions", () => {
  it("changes every version string when only the epoch changes", () => {
    const generations = { secrets: 3n, config: 9n };
    const first = formatStoreVersions(1, generations);
    const second = formatStoreVersions(2, generations);
    expect(second.secrets).not.toBe(first.secrets);
    expect(second.config).not.toBe(first.config);
  });

  it("keeps secrets and config apart and returns a frozen object", () => {
    const versions = formatStoreVersions(1, { secrets: 3n, config: 9n });
    expect(versions).toEqual({ secrets: "pg:1:3", config: "pg:1:9" });
    expect(Object.isFrozen(versions)).toBe(true);
  });
});

describe("PostgresGenerationListener without a connection", () => {
  const base = { clientConfig: {}, schema: "gatehouse", readGenerationsSql: "SELECT 1" };

  it("refuses a backoff whose maximum is below its initial delay", () => {
    expect(() => new PostgresGenerationListener({ ...base, backoff: { initialDelayMs: 100, maxDelayMs: 50 } })).toThrow(RangeError);
    expect(() => new PostgresGenerationListener({ ...base, backoff: { initialDelayMs: 0, maxDelayMs: 50 } })).toThrow(RangeError);
  });

  it("is not trusted before it has connected", () => {
    const listener = new PostgresGenerationListener(base);
    expect(listener.currentVersions()).toBeNull();
    expect(listener.readState()).toEqual({ connected: false, epoch: 0, backendPid: null, reconnects: 0 });
  });

  it("merges observed generations monotonically and pushes each change once", () => {
    const listener = new PostgresGenerationListener(base);
    const pushed: string[] = [];
    const unsubscribe = listener.subscribe((v) => pushed.push(`${v.secrets}|${v.config}`));
    expect(listener.observe({ secrets: 2n, config: 1n })).toEqual({ secrets: "pg:0:2", config: "pg:0:1" });
    // An older read arriving late does not move the state back, and is reported as what it read.
    expect(listener.observe({ secrets: 1n, config: 1n })).toEqual({ secrets: "pg:0:1", config: "pg:0:1" });
    listener.observe({ secrets: 2n, config: 3n });
    unsubscribe();
    listener.observe({ secrets: 5n, config: 5n });
    expect(pushed).toEqual(["pg:0:2|pg:0:1", "pg:0:2|pg:0:3"]);
  });

  it("keeps pushing to other subscribers when one throws", () => {
    const listener = new PostgresGenerationListener(base);
    const seen: string[] = [];
    listener.subscribe(() => {
      throw new Error("subscriber bug");
    });
    listener.subscribe((v) => seen.push(v.secrets));
    listener.observe({ secrets: 1n, config: 0n });
    expect(seen).toEqual(["pg:0:1"]);
  });
});

describe("parseChangeNotification (decision 012)", () => {
  it("reads the token ids a mutation names, or null when it could not name them", () => {
    const named = parseChangeNotification(
      '{"schema":"gatehouse","secrets":"3","config":"4","changed":{"secrets":true,"tokens":["a@pbs!x"]}}',
      "gatehouse",
    );
    expect(named).toEqual({ generations: { secrets: 3n, config: 4n }, secrets: { bumped: true, tokens: ["a@pbs!x"] } });
    const unnamed = parseChangeNotification(
      '{"schema":"gatehouse","secrets":"3","config":"4","changed":{"secrets":true,"tokens":null}}',
      "gatehouse",
    );
    expect(unnamed?.secrets).toEqual({ bumped: true, tokens: null });
    const bogusIds = parseChangeNotification(
      `{"schema":"gatehouse","secrets":"3","config":"4","changed":{"secrets":true,"tokens":[1,"${"x".repeat(65)}"]}}`,
      "gatehouse",
    );
    expect(bogusIds?.secrets?.tokens).toBeNull();
    expect(parseChangeNotification('{"schema":"gatehouse","secrets":"3","config":"4"}', "gatehouse")?.secrets).toBeUndefined();
  });
});
