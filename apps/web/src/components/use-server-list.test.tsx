// @vitest-environment jsdom
import { act, renderHook } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import "../test-support/dom.js";
import { SEARCH_DEBOUNCE_MS, useServerList } from "./use-server-list.js";

const SORT_KEYS = { userid: "userid", status: "enable" } as const;

function renderList() {
  return renderHook(() => useServerList<"userid" | "enable">({ sortKeys: SORT_KEYS, defaultSort: "userid", pageSize: 50 }));
}

afterEach(() => {
  vi.useRealTimers();
});

describe("useServerList", () => {
  it("asks for the first page in the default order", () => {
    const { result } = renderList();
    expect(result.current.query).toEqual({ start: 0, limit: 50, filter: "", sort: "userid", order: "asc" });
    expect(result.current.tableProps.sorting).toEqual([{ id: "userid", desc: false }]);
  });

  it("maps a column to the server's sort key, and a new sort starts again at the first page", () => {
    const { result } = renderList();
    act(() => result.current.tableProps.onPaginationChange({ pageIndex: 2, pageSize: 50 }));
    expect(result.current.query.start).toBe(100);
    act(() => result.current.tableProps.onSortingChange([{ id: "status", desc: true }]));
    expect(result.current.query).toMatchObject({ start: 0, sort: "enable", order: "desc" });
    act(() => result.current.tableProps.onSortingChange([{ id: "no-such-column", desc: false }]));
    expect(result.current.query.sort).toBe("userid");
  });

  it("sends the trimmed search once typing pauses, from the first page", () => {
    vi.useFakeTimers();
    const { result } = renderList();
    act(() => result.current.tableProps.onPaginationChange({ pageIndex: 1, pageSize: 50 }));
    act(() => result.current.tableProps.onSearchChange(" ali "));
    expect(result.current.tableProps.search).toBe(" ali ");
    expect(result.current.query).toMatchObject({ start: 0, filter: "" });
    act(() => {
      vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS);
    });
    expect(result.current.query.filter).toBe("ali");
  });

  it("lets a filter go back to the first page, and holds a row to focus until DataTable has focused it", () => {
    const { result } = renderList();
    act(() => result.current.tableProps.onPaginationChange({ pageIndex: 3, pageSize: 50 }));
    act(() => result.current.resetToFirstPage());
    expect(result.current.query.start).toBe(0);
    act(() => result.current.focusRow("bob@pbs"));
    expect(result.current.tableProps.focusRowKey).toBe("bob@pbs");
    act(() => result.current.tableProps.onRowFocused());
    expect(result.current.tableProps.focusRowKey).toBeNull();
  });
});
