import { describe, expect, it } from "vitest";
import { isExpired, parseDateTimeLocal, toDateTimeLocal } from "./time.js";

describe("datetime-local conversion", () => {
  it("maps an empty field to never (0) and back", () => {
    expect(parseDateTimeLocal("")).toBe(0);
    expect(parseDateTimeLocal("   ")).toBe(0);
    expect(toDateTimeLocal(0)).toBe("");
  });

  it("round-trips a minute-precise local time", () => {
    const epoch = parseDateTimeLocal("2031-03-04T05:06");
    expect(epoch).not.toBeNull();
    expect(toDateTimeLocal(epoch ?? 0)).toBe("2031-03-04T05:06");
  });

  it("reads the local wall-clock time the field shows", () => {
    expect(parseDateTimeLocal("2031-03-04T05:06:07")).toBe(Math.floor(new Date(2031, 2, 4, 5, 6, 7).getTime() / 1000));
  });

  it("returns null for malformed or impossible dates", () => {
    for (const value of ["2031-03-04", "tomorrow", "2031-02-30T10:00", "2031-13-01T00:00"]) {
      expect(parseDateTimeLocal(value)).toBeNull();
    }
  });
});

describe("isExpired", () => {
  it("treats 0 as never and the expiry second itself as expired", () => {
    expect(isExpired(0, 5)).toBe(false);
    expect(isExpired(5, 5)).toBe(true);
    expect(isExpired(6, 5)).toBe(false);
  });
});
