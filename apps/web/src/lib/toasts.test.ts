import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TOAST_LIFETIME_MS, ToastStore } from "./toasts.js";

describe("ToastStore", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("shows a message and drops it after its lifetime", () => {
    const store = new ToastStore();
    store.show("Token removed.");
    expect(store.getToasts().map((toast) => toast.message)).toEqual(["Token removed."]);
    vi.advanceTimersByTime(TOAST_LIFETIME_MS - 1);
    expect(store.getToasts()).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(store.getToasts()).toHaveLength(0);
  });

  it("keeps the three newest and lets one be dismissed early", () => {
    const store = new ToastStore();
    for (const message of ["a", "b", "c", "d"]) store.show(message);
    expect(store.getToasts().map((toast) => toast.message)).toEqual(["b", "c", "d"]);
    store.dismiss(store.getToasts()[0]?.id ?? -1);
    expect(store.getToasts().map((toast) => toast.message)).toEqual(["c", "d"]);
  });
});
