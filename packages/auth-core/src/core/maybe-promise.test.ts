import { describe, expect, it } from "vitest";
import { whenResolved } from "./maybe-promise.js";

describe("whenResolved", () => {
  it("applies the step at once to a plain value and returns its result, not a promise", () => {
    const order: string[] = [];
    const result = whenResolved(2, (n) => {
      order.push("step");
      return n * 3;
    });
    order.push("after");
    expect(result).toBe(6);
    expect(order).toEqual(["step", "after"]);
  });

  it("waits for a promise and returns a promise of the step's result", async () => {
    const result = whenResolved(Promise.resolve(2), (n) => n * 3);
    expect(result).toBeInstanceOf(Promise);
    expect(await result).toBe(6);
  });

  it("flattens a step that itself returns a promise", async () => {
    expect(await whenResolved(2, (n) => Promise.resolve(n + 1))).toBe(3);
  });

  it("throws a synchronous step's error as a throw, and rejects after a promise", async () => {
    const boom = (): number => {
      throw new Error("boom");
    };
    expect(() => whenResolved(1, boom)).toThrow("boom");
    await expect(whenResolved(Promise.resolve(1), boom)).rejects.toThrow("boom");
  });
});
