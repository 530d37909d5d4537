/**
 * Work over large sets that gives the event loop back between slices, so a
 * listing of 100,000 tokens never holds a serving thread for more than a slice
 * (docs/design.md, scale rules: no request holds the loop over 50 ms). Cached-token
 * requests that arrive meanwhile are answered between slices.
 */
import { performance } from "node:perf_hooks";

/**
 * How long one slice may run before it yields. Well under the 50 ms bound, so a
 * slice that overshoots by a few items or one GC pause still stays within it.
 */
export const DEFAULT_SLICE_BUDGET_MS = 8;

/** performance.now() costs tens of nanoseconds: checking it every few hundred items keeps its cost negligible. */
const ITEMS_PER_CLOCK_CHECK = 256;

/** Runs of this many items are sorted synchronously before the merge passes; about a millisecond each. */
const SORTED_RUN_LENGTH = 2048;

function yieldToEventLoop(): Promise<void> {
  // setImmediate runs after pending I/O callbacks, so waiting requests go first.
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Counts work and yields once a slice has used its budget. Call `tick()` once per
 * item; it returns a promise only when it is time to yield, so the common call
 * costs a counter increment.
 */
export class SliceYielder {
  private sliceStartedAt = performance.now();
  private itemsSinceCheck = 0;

  constructor(private readonly budgetMs: number = DEFAULT_SLICE_BUDGET_MS) {}

  /** Undefined while the slice has time left; a promise to await when it is over. */
  tick(): Promise<void> | undefined {
    if (++this.itemsSinceCheck < ITEMS_PER_CLOCK_CHECK) return undefined;
    this.itemsSinceCheck = 0;
    return this.yieldIfDue();
  }

  /** Yields when the slice's budget is used up, whatever the item count. */
  yieldIfDue(): Promise<void> | undefined {
    if (performance.now() - this.sliceStartedAt < this.budgetMs) return undefined;
    return yieldToEventLoop().then(() => {
      this.sliceStartedAt = performance.now();
    });
  }
}

/** Items for which `keep` is true, in order, yielding between slices. */
export async function filterInSlices<T>(items: readonly T[], keep: (item: T) => boolean, yielder = new SliceYielder()): Promise<T[]> {
  const kept: T[] = [];
  for (const item of items) {
    if (keep(item)) kept.push(item);
    const pause = yielder.tick();
    if (pause !== undefined) await pause;
  }
  return kept;
}

/** `items.map(convert)`, yielding between slices. */
export async function mapInSlices<T, R>(items: readonly T[], convert: (item: T) => R, yielder = new SliceYielder()): Promise<R[]> {
  const converted: R[] = new Array<R>(items.length);
  for (let i = 0; i < items.length; i++) {
    converted[i] = convert(items[i] as T);
    const pause = yielder.tick();
    if (pause !== undefined) await pause;
  }
  return converted;
}

/**
 * A stable sort that yields between slices: runs of a couple of thousand items
 * are sorted synchronously, then merged pairwise, O(n log n) in all. Returns a
 * new array; the input is left alone.
 */
export async function sortInSlices<T>(items: readonly T[], compare: (a: T, b: T) => number, yielder = new SliceYielder()): Promise<T[]> {
  let source: T[] = [];
  for (let start = 0; start < items.length; start += SORTED_RUN_LENGTH) {
    // Array.prototype.sort is stable (ES2019), so equal items keep their order within a run.
    const run = items.slice(start, start + SORTED_RUN_LENGTH).sort(compare);
    for (const item of run) source.push(item);
    const pause = yielder.yieldIfDue();
    if (pause !== undefined) await pause;
  }
  let target: T[] = new Array<T>(source.length);
  for (let width = SORTED_RUN_LENGTH; width < source.length; width *= 2) {
    for (let left = 0; left < source.length; left += 2 * width) {
      const middle = Math.min(left + width, source.length);
      const end = Math.min(left + 2 * width, source.length);
      let i = left;
      let j = middle;
      let out = left;
      while (i < middle || j < end) {
        // Taking from the left run on ties keeps the merge stable.
        if (j >= end || (i < middle && compare(source[i] as T, source[j] as T) <= 0)) target[out++] = source[i++] as T;
        else target[out++] = source[j++] as T;
        const pause = yielder.tick();
        if (pause !== undefined) await pause;
      }
    }
    [source, target] = [target, source];
  }
  return source;
}
