import { describe, expect, it } from "vitest";
import { expiryChoiceOf, isSameExpiryChoice, resolveExpiry } from "./expiry.js";
import { parseDateTimeLocal } from "./time.js";

const NOW_S = 1_900_000_000;

describe("resolveExpiry", () => {
  it("turns the presets into seconds from now, and never into 0", () => {
    expect(resolveExpiry({ preset: "never", date: "" }, NOW_S)).toBe(0);
    expect(resolveExpiry({ preset: "30d", date: "" }, NOW_S)).toBe(NOW_S + 30 * 86_400);
    expect(resolveExpiry({ preset: "90d", date: "" }, NOW_S)).toBe(NOW_S + 90 * 86_400);
    expect(resolveExpiry({ preset: "1y", date: "" }, NOW_S)).toBe(NOW_S + 365 * 86_400);
  });

  it("reads a custom date and refuses an empty or malformed one instead of meaning never", () => {
    expect(resolveExpiry({ preset: "custom", date: "2031-03-04T05:06" }, NOW_S)).toBe(parseDateTimeLocal("2031-03-04T05:06"));
    expect(resolveExpiry({ preset: "custom", date: "" }, NOW_S)).toBeNull();
    expect(resolveExpiry({ preset: "custom", date: "2031-02-30T10:00" }, NOW_S)).toBeNull();
  });
});

describe("expiryChoiceOf", () => {
  it("shows 0 as never and a stored date as a custom date that resolves back to it (minute precision)", () => {
    expect(expiryChoiceOf(0)).toEqual({ preset: "never", date: "" });
    const stored = parseDateTimeLocal("2031-03-04T05:06") ?? 0;
    const choice = expiryChoiceOf(stored);
    expect(choice.preset).toBe("custom");
    expect(resolveExpiry(choice, NOW_S)).toBe(stored);
    expect(isSameExpiryChoice(choice, expiryChoiceOf(stored))).toBe(true);
    expect(isSameExpiryChoice(choice, { preset: "30d", date: choice.date })).toBe(false);
  });
});
