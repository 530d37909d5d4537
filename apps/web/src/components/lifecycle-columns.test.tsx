// @vitest-environment jsdom
import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import "../test-support/dom.js";
import { formatExact } from "../lib/relative-time.js";
import { DataTable } from "./DataTable.js";
import { lifecycleColumns, type LifecycleRow } from "./lifecycle-columns.js";

const NOW_S = 1_900_000_000;
const DAY_S = 86_400;

interface Row extends LifecycleRow {
  id: string;
}

function noop(): void {}

function renderRows(rows: Row[], lastUsedHeader = "Last used") {
  render(
    <DataTable<Row>
      caption="Accounts"
      noun="accounts"
      columns={[
        { id: "id", header: "Id", cell: ({ row }) => row.original.id, meta: { isRowHeader: true } },
        ...lifecycleColumns<Row>({ nowS: NOW_S, lastUsedHeader }),
      ]}
      rows={rows}
      total={rows.length}
      getRowKey={(row) => row.id}
      isLoading={false}
      isFetching={false}
      error={null}
      onRetry={noop}
      emptyMessage="none"
      sorting={[]}
      onSortingChange={noop}
      pagination={{ pageIndex: 0, pageSize: 50 }}
      onPaginationChange={noop}
    />,
  );
  return screen.getByRole("table", { name: /Accounts/ });
}

/** The cells after the row header `id`, in column order. */
function cellsOf(table: HTMLElement, id: string): HTMLElement[] {
  const row = within(table).getByRole("rowheader", { name: id }).closest("tr");
  if (row === null) throw new Error(`no row for ${id}`);
  return within(row).getAllByRole("cell");
}

describe("lifecycleColumns", () => {
  it("adds Expires, Created and the last-use column in that order, under the header it is given", () => {
    const table = renderRows([{ id: "one", expire: 0, created: undefined, lastUsed: undefined, lastUsedSource: undefined }], "Last login");
    const headers = within(table).getAllByRole("columnheader");
    expect(headers).toHaveLength(4);
    expect(within(headers[1]!).getByText("Expires")).toBeDefined();
    expect(headers[2]?.textContent).toBe("Created");
    expect(headers[3]?.textContent).toBe("Last login");
  });

  it("says never and not recorded for missing times", () => {
    const table = renderRows([{ id: "blank", expire: 0, created: undefined, lastUsed: undefined, lastUsedSource: undefined }]);
    expect(cellsOf(table, "blank").map((cell) => cell.textContent)).toEqual(["never", "not recorded", "never"]);
  });

  it("shows each time relative to the list's now, with the exact time and the last use's source", () => {
    const row: Row = {
      id: "used",
      expire: NOW_S + 3 * DAY_S,
      created: NOW_S - 14 * DAY_S,
      lastUsed: NOW_S - 2 * DAY_S,
      lastUsedSource: "192.0.2.7",
    };
    const table = renderRows([row]);
    const [expires, created, lastUsed] = cellsOf(table, "used");
    expect(within(expires!).getByText("in 3 days").closest("time")?.title).toBe(formatExact(row.expire));
    expect(within(created!).getByText("2 weeks ago").closest("time")?.title).toBe(formatExact(NOW_S - 14 * DAY_S));
    expect(within(lastUsed!).getByText("2 days ago")).toBeDefined();
    expect(lastUsed?.textContent).toContain("from 192.0.2.7");
  });
});
