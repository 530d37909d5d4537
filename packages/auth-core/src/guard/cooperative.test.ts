import { describe, expect, it } from "vitest";
import { filterInSlices, mapInSlices, SliceYielder, sortInSlices } from "./cooperative.js";

/** A deterministic shuffle source (mulberry32), so a failure reproduces. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("sortInSlices", () => {
  it("sorts like Array.prototype.sort across many runs and merge passes, and leaves the input alone", async () => {
    const random = seeded(7);
    const items = Array.from({ length: 20_001 }, () => Math.floor(random() * 1_000_000));
    const input = [...items];
    const sorted = await sortInSlices(items, (a, b) => a - b);
    expect(sorted).toEqual([...items].sort((a, b) => a - b));
    expect(items).toEqual(input);
  });

  it("is stable: equal keys keep their input order", async () => {
    const items = Array.from({ length: 9000 }, (_, i) => ({ key: i % 3, seq: i }));
    const sorted = await sortInSlices(items, (a, b) => a.key - b.key);
    for (let i = 1; i < sorted.length; i++) {
      const [prev, cur] = [sorted[i - 1], sorted[i]];
      if (prev?.key === cur?.key) expect(prev!.seq).toBeLessThan(cur!.seq);
    }
  });

  it("handles the empty list and a single run", async () => {
    expect(await sortInSlices([], (a: number, b: number) => a - b)).toEqual([]);
    expect(await sortInSlices([3, 1, 2], (a, b) => a - b)).toEqual([1, 2, 3]);
  });

  it("gives the event loop back when a slice's budget is used up, and not while it lasts", async () => {
    const items = Array.from({ length: 10_000 }, (_, i) => 10_000 - i);
    let ranDuringSort = false;
    setImmediate(() => {
      ranDuringSort = true;
    });
    // With a zero budget every clock check yields: a callback queued before the sort runs before it ends.
    await sortInSlices(items, (a, b) => a - b, new SliceYielder(0));
    expect(ranDuringSort).toBe(true);

    let ranDuringQuickSort = false;
    setImmediate(() => {
      ranDuringQuickSort = true;
    });
    // Without a yield, the whole sort and its await complete in microtasks, before any immediate.
    await sortInSlices(items.slice(0, 100), (a, b) => a - b, new SliceYielder(60_000));
    expect(ranDuringQuickSort).toBe(false);
  });
});

describe("filterInSlices and mapInSlices", () => {
  it("filter and map like their array counterparts", async () => {
    const items = Array.from({ length: 5000 }, (_, i) => i);
    expect(await filterInSlices(items, (i) => i % 7 === 0, new SliceYielder(0))).toEqual(items.filter((i) => i % 7 === 0));
    expect(await mapInSlices(items, (i) => i * 2, new SliceYielder(0))).toEqual(items.map((i) => i * 2));
  });
});
