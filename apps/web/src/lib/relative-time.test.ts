import { describe, expect, it } from "vitest";
import { formatRelative, toIsoTime } from "./relative-time.js";

const NOW_S = 1_900_000_000;

describe("formatRelative", () => {
  it("uses the largest unit the difference fills, in the past and the future", () => {
    expect(formatRelative(NOW_S - 3 * 86_400, NOW_S)).toBe("3 days ago");
    expect(formatRelative(NOW_S + 2 * 3_600 + 59, NOW_S)).toBe("in 2 hours");
    expect(formatRelative(NOW_S - 86_400, NOW_S)).toBe("yesterday");
    expect(formatRelative(NOW_S - 400 * 86_400, NOW_S)).toBe("last year");
    expect(formatRelative(NOW_S + 14 * 86_400, NOW_S)).toBe("in 2 weeks");
  });

  it("rounds toward zero, so 59 minutes stay minutes", () => {
    expect(formatRelative(NOW_S - 59 * 60 - 59, NOW_S)).toBe("59 minutes ago");
    expect(formatRelative(NOW_S + 3_599, NOW_S)).toBe("in 59 minutes");
  });

  it("says just now under a minute ago, and in less than a minute ahead", () => {
    expect(formatRelative(NOW_S, NOW_S)).toBe("just now");
    expect(formatRelative(NOW_S - 30, NOW_S)).toBe("just now");
    expect(formatRelative(NOW_S + 30, NOW_S)).toBe("in less than a minute");
  });
});

describe("toIsoTime", () => {
  it("is the UTC instant for the datetime attribute", () => {
    expect(toIsoTime(0)).toBe("1970-01-01T00:00:00.000Z");
  });
});
