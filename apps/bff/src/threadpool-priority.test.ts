import { readlink } from "node:fs/promises";
import { getPriority } from "node:os";
import { describe, expect, test } from "vitest";
import { findThreadpoolThreadIds, lowerThreadpoolPriority, readThreadpoolSize } from "./threadpool-priority.js";

const onLinux = process.platform === "linux";

describe("readThreadpoolSize", () => {
  test("follows UV_THREADPOOL_SIZE within libuv's bounds and defaults to 4", () => {
    expect(readThreadpoolSize({})).toBe(4);
    expect(readThreadpoolSize({ UV_THREADPOOL_SIZE: "8" })).toBe(8);
    expect(readThreadpoolSize({ UV_THREADPOOL_SIZE: "0" })).toBe(4);
    expect(readThreadpoolSize({ UV_THREADPOOL_SIZE: "lots" })).toBe(4);
    expect(readThreadpoolSize({ UV_THREADPOOL_SIZE: "5000" })).toBe(1024);
  });
});

describe.runIf(onLinux)("lowerThreadpoolPriority", () => {
  test("raises the nice value of every threadpool thread and leaves the event loop's alone", async () => {
    const mainNice = getPriority(process.pid);
    const result = await lowerThreadpoolPriority({ niceIncrement: 5 });
    if (!result.lowered) throw new Error(result.reason);
    expect(result.threadIds).toHaveLength(readThreadpoolSize());
    expect(result.threadIds).not.toContain(process.pid);
    expect(result.nice).toBe(Math.min(19, mainNice + 5));
    for (const tid of result.threadIds) expect(getPriority(tid)).toBe(result.nice);
    expect(getPriority(process.pid)).toBe(mainNice);

    // The pool never grows, so later threadpool work runs on the same, lowered threads.
    const later = await Promise.all(Array.from({ length: 32 }, () => readlink("/proc/thread-self")));
    for (const link of later) expect(result.threadIds).toContain(Number(link.split("/task/")[1]));
  });

  test("finds the same threads on every call", async () => {
    expect(await findThreadpoolThreadIds()).toEqual(await findThreadpoolThreadIds());
  });

  test("refuses an increment outside 1..19", async () => {
    await expect(lowerThreadpoolPriority({ niceIncrement: 0 })).rejects.toThrow(RangeError);
    await expect(lowerThreadpoolPriority({ niceIncrement: 20 })).rejects.toThrow(RangeError);
  });
});
