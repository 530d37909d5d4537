import type * as NodeCrypto from "node:crypto";
import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("node:crypto", async (importOriginal) => {
  const original = await importOriginal<typeof NodeCrypto>();
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) };
});

const { createHmac, randomBytes, timingSafeEqual } = await import("node:crypto");
const { createCsrfToken, verifyCsrfToken } = await import("./csrf.js");
const { TICKET_LIFETIME_S, TICKET_MAX_SKEW_S } = await import("./ticket.js");

const KEY = randomBytes(32);
const OTHER_KEY = randomBytes(32);
const T0 = Date.UTC(2026, 0, 1) / 1000;
const T0_HEX = T0.toString(16).toUpperCase();

beforeEach(() => {
  vi.mocked(timingSafeEqual).mockClear();
});

describe("createCsrfToken", () => {
  it("is the hex time and the base64url HMAC-SHA256 of <HEXTIME>:<userid>:", () => {
    const expected = createHmac("sha256", KEY).update(`${T0_HEX}:alice@pbs:`).digest("base64url");
    expect(createCsrfToken("alice@pbs", KEY, T0)).toBe(`${T0_HEX}:${expected}`);
    expect(expected).not.toContain("=");
  });

  it("refuses a short key and a time outside 8 hex digits", () => {
    expect(() => createCsrfToken("alice@pbs", Buffer.alloc(15), T0)).toThrow(RangeError);
    expect(() => createCsrfToken("alice@pbs", KEY, -1)).toThrow(RangeError);
    expect(() => createCsrfToken("alice@pbs", KEY, 2 ** 32)).toThrow(RangeError);
  });
});

describe("verifyCsrfToken", () => {
  const token = createCsrfToken("alice@pbs", KEY, T0);

  it("accepts the token for its own user", () => {
    expect(verifyCsrfToken(token, "alice@pbs", KEY, T0)).toBe(true);
  });

  it("compares the digest in constant time", () => {
    verifyCsrfToken(token, "alice@pbs", KEY, T0);
    expect(timingSafeEqual).toHaveBeenCalledTimes(1);
  });

  it("refuses another user's token", () => {
    expect(verifyCsrfToken(token, "bob@pbs", KEY, T0)).toBe(false);
    expect(verifyCsrfToken(token, "alice@pbs!ci", KEY, T0)).toBe(false);
  });

  it("refuses a token made with another key", () => {
    expect(verifyCsrfToken(token, "alice@pbs", OTHER_KEY, T0)).toBe(false);
  });

  it("accepts the window edges and refuses one second past each", () => {
    expect(verifyCsrfToken(token, "alice@pbs", KEY, T0 - TICKET_MAX_SKEW_S)).toBe(true);
    expect(verifyCsrfToken(token, "alice@pbs", KEY, T0 - TICKET_MAX_SKEW_S - 1)).toBe(false);
    expect(verifyCsrfToken(token, "alice@pbs", KEY, T0 + TICKET_LIFETIME_S - 1)).toBe(true);
    expect(verifyCsrfToken(token, "alice@pbs", KEY, T0 + TICKET_LIFETIME_S)).toBe(false);
  });

  it("refuses a tampered digest or time", () => {
    const digest = token.slice(9);
    const swap = (c: string | undefined) => (c === "A" ? "B" : "A");
    expect(verifyCsrfToken(`${T0_HEX}:${swap(digest[0])}${digest.slice(1)}`, "alice@pbs", KEY, T0)).toBe(false);
    expect(verifyCsrfToken(`${T0_HEX}:${digest.slice(0, -1)}${swap(digest.at(-1))}`, "alice@pbs", KEY, T0)).toBe(false);
    const later = (T0 + 1).toString(16).toUpperCase();
    expect(verifyCsrfToken(`${later}:${digest}`, "alice@pbs", KEY, T0)).toBe(false);
    expect(verifyCsrfToken(`${T0_HEX.toLowerCase()}:${digest}`, "alice@pbs", KEY, T0)).toBe(false);
  });

  it("returns false for garbage without throwing", () => {
    const digest = token.slice(9);
    for (const garbage of [
      "",
      ":",
      T0_HEX,
      `${T0_HEX}:`,
      `${T0_HEX}:${digest}=`,
      `${T0_HEX}:${digest.slice(1)}`,
      `${T0_HEX}:${digest.replace(/./, "+")}`,
      `${T0_HEX}::${digest.slice(1)}`,
      ` ${token}`,
      `${token}\n`,
      "x".repeat(100_000),
    ]) {
      expect(verifyCsrfToken(garbage, "alice@pbs", KEY, T0), garbage.slice(0, 60)).toBe(false);
    }
  });
});
