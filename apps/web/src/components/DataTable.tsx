/**
 * A server-paged list on TanStack Table (headless): search, sortable columns, an
 * optional filter, a row count and paging. Every change asks the server for one page
 * (the listing extension of docs/design.md: limit, start, filter, sort, order), so the
 * console never loads the whole set. The control names are a contract with the e2e
 * suites: "Search", "Previous page", "Next page", and a role="status" count such as
 * "1 to 50 of 100,000 tokens".
 */
import { flexRender, getCoreRowModel, useReactTable, type ColumnDef, type PaginationState, type SortingState } from "@tanstack/react-table";
import { useEffect, useId, useRef, type ReactNode } from "react";
import { Button } from "./Button.js";
import { isPermissionDenied } from "../lib/api-error.js";
import { ErrorMessage } from "./ErrorMessage.js";

export interface DataColumnMeta {
  isRowHeader?: boolean;
  className?: string;
}

function readMeta(meta: unknown): DataColumnMeta {
  return typeof meta === "object" && meta !== null ? meta : {};
}

export interface DataTableProps<Row> {
  caption: string;
  /** Plural noun for the count, e.g. "tokens". */
  noun: string;
  columns: ColumnDef<Row, unknown>[];
  rows: readonly Row[] | undefined;
  total: number | undefined;
  getRowKey: (row: Row) => string;
  isLoading: boolean;
  isFetching: boolean;
  error: unknown;
  onRetry: () => void;
  emptyMessage: ReactNode;
  /** The free-text search; left out for a list whose server has none (the audit log). */
  search?: string;
  onSearchChange?: (search: string) => void;
  sorting: SortingState;
  onSortingChange: (sorting: SortingState) => void;
  pagination: PaginationState;
  onPaginationChange: (pagination: PaginationState) => void;
  /** Extra controls beside the search box, e.g. a status filter. */
  filters?: ReactNode;
  /** After a delete: the row to move focus to once it is on screen. */
  focusRowKey?: string | null;
  onRowFocused?: () => void;
}

const NUMBER_FORMAT = new Intl.NumberFormat("en");

export function describeRange(pageIndex: number, pageSize: number, shown: number, total: number, noun: string): string {
  if (total === 0) return `No ${noun}`;
  const first = pageIndex * pageSize + 1;
  const last = pageIndex * pageSize + shown;
  return `${NUMBER_FORMAT.format(first)} to ${NUMBER_FORMAT.format(last)} of ${NUMBER_FORMAT.format(total)} ${noun}`;
}

export function DataTable<Row>(props: DataTableProps<Row>) {
  const { caption, noun, columns, getRowKey, isLoading, isFetching, error, onRetry, emptyMessage } = props;
  // After a 403 the cached page is what the caller may no longer see: drop it.
  const denied = isPermissionDenied(error);
  const rows = denied ? undefined : props.rows;
  const total = denied ? undefined : props.total;
  const { sorting, pagination, focusRowKey, onRowFocused } = props;
  const searchId = useId();
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  const table = useReactTable<Row>({
    data: (rows ?? []) as Row[],
    columns,
    getCoreRowModel: getCoreRowModel(),
    getRowId: getRowKey,
    manualPagination: true,
    manualSorting: true,
    manualFiltering: true,
    enableMultiSort: false,
    rowCount: total ?? 0,
    state: { sorting, pagination },
    onSortingChange: (updater) => props.onSortingChange(typeof updater === "function" ? updater(sorting) : updater),
    onPaginationChange: (updater) => props.onPaginationChange(typeof updater === "function" ? updater(pagination) : updater),
  });

  useEffect(() => {
    if (focusRowKey === null || focusRowKey === undefined || bodyRef.current === null) return;
    const row = bodyRef.current.querySelector<HTMLElement>(`tr[data-row-key="${CSS.escape(focusRowKey)}"] [data-row-focus]`);
    if (row !== null) {
      row.focus();
      onRowFocused?.();
    }
  }, [focusRowKey, rows, onRowFocused]);

  const shown = rows?.length ?? 0;
  const count = total === undefined ? "" : describeRange(pagination.pageIndex, pagination.pageSize, shown, total, noun);

  return (
    <div className="data-table">
      <div className="list-controls" role="search">
        {props.onSearchChange === undefined ? null : (
          <div className="field list-controls__search">
            <label htmlFor={searchId}>Search</label>
            <input
              id={searchId}
              type="search"
              value={props.search ?? ""}
              onChange={(event) => props.onSearchChange?.(event.target.value)}
              autoComplete="off"
              spellCheck={false}
              maxLength={128}
            />
          </div>
        )}
        {props.filters}
      </div>
      <p className="list-count" role="status">
        {isLoading ? `Loading ${caption.toLowerCase()}…` : count}
      </p>
      {error !== null && error !== undefined ? <ErrorMessage error={error} onRetry={onRetry} retrying={isFetching} /> : null}
      {rows !== undefined && rows.length === 0 && !isLoading ? <p className="table-status table-status--empty">{emptyMessage}</p> : null}
      {rows !== undefined && rows.length > 0 ? (
        <div className="table-wrap" aria-busy={isFetching || undefined}>
          <table className="table">
            <caption className="visually-hidden">{caption}</caption>
            <thead>
              {table.getHeaderGroups().map((group) => (
                <tr key={group.id}>
                  {group.headers.map((header) => {
                    const meta = readMeta(header.column.columnDef.meta);
                    const sorted = header.column.getIsSorted();
                    const label = flexRender(header.column.columnDef.header, header.getContext());
                    return (
                      <th
                        key={header.id}
                        scope="col"
                        className={meta.className}
                        aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : undefined}
                      >
                        {header.column.getCanSort() ? (
                          <button type="button" className="sort-button" onClick={header.column.getToggleSortingHandler()}>
                            {label}
                            <span aria-hidden="true">{sorted === "asc" ? " ▲" : sorted === "desc" ? " ▼" : ""}</span>
                          </button>
                        ) : (
                          label
                        )}
                      </th>
                    );
                  })}
                </tr>
              ))}
            </thead>
            <tbody ref={bodyRef}>
              {table.getRowModel().rows.map((row) => (
                <tr key={row.id} data-row-key={row.id}>
                  {row.getVisibleCells().map((cell) => {
                    const meta = readMeta(cell.column.columnDef.meta);
                    const header = typeof cell.column.columnDef.header === "string" ? cell.column.columnDef.header : undefined;
                    const content = flexRender(cell.column.columnDef.cell, cell.getContext());
                    return meta.isRowHeader === true ? (
                      <th key={cell.id} scope="row" className={meta.className} data-label={header} tabIndex={-1} data-row-focus>
                        {content}
                      </th>
                    ) : (
                      <td key={cell.id} className={meta.className} data-label={header}>
                        {content}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <nav className="pager" aria-label={`Pages of ${caption.toLowerCase()}`}>
        <Button onClick={() => table.previousPage()} disabled={!table.getCanPreviousPage()}>
          Previous page
        </Button>
        <span className="pager__page">
          Page {pagination.pageIndex + 1} of {Math.max(1, table.getPageCount())}
        </span>
        <Button onClick={() => table.nextPage()} disabled={!table.getCanNextPage()}>
          Next page
        </Button>
      </nav>
    </div>
  );
}
