import { describe, expect, it } from "vitest";
import { parseUnusedDays, UNUSED_FILTER_OPTIONS } from "./unused-filter.js";

describe("the not-used-for filter", () => {
  it("offers any time and each day count, and reads back only those", () => {
    expect(UNUSED_FILTER_OPTIONS.map((option) => option.value)).toEqual(["any", "7", "30", "90", "365"]);
    expect(parseUnusedDays("30")).toBe(30);
    expect(parseUnusedDays("any")).toBeNull();
    expect(parseUnusedDays("31")).toBeNull();
  });
});
