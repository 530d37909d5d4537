/**
 * The state of a server-paged list (DataTable) that the users and API-token screens
 * share: the search, sent once typing pauses; the sort; the page, back to the first
 * one whenever the search, sort or a filter changes; and the row to focus after a
 * delete. It gives the page's query for the server and the props for DataTable.
 */
import type { PaginationState, SortingState } from "@tanstack/react-table";
import { useCallback, useState } from "react";
import type { PageQuery } from "../lib/paging.js";
import { useDebouncedValue } from "../lib/use-debounced-value.js";
import type { DataTableProps } from "./DataTable.js";

/** One server search per pause in typing, not one per key. */
export const SEARCH_DEBOUNCE_MS = 250;

export interface ServerListOptions<SortKey extends string> {
  /** The server's sort key of each sortable column, by column id. */
  sortKeys: Readonly<Record<string, SortKey>>;
  /** The first sort, ascending: a column whose id is also its server key. */
  defaultSort: NoInfer<SortKey>;
  pageSize: number;
}

export type ServerListTableProps = Required<
  Pick<
    DataTableProps<unknown>,
    "search" | "onSearchChange" | "sorting" | "onSortingChange" | "pagination" | "onPaginationChange" | "focusRowKey" | "onRowFocused"
  >
>;

export interface ServerList<SortKey extends string> {
  /** The page to ask the server for. */
  query: PageQuery<SortKey>;
  /** For DataTable: `<DataTable {...list.tableProps} />`. */
  tableProps: ServerListTableProps;
  /** For a filter's onChange: a changed filter starts again at the first page. */
  resetToFirstPage: () => void;
  /** After a delete: the row to move focus to once it is on screen (null for none). */
  focusRow: (key: string | null) => void;
}

export function useServerList<SortKey extends string>({
  sortKeys,
  defaultSort,
  pageSize,
}: ServerListOptions<SortKey>): ServerList<SortKey> {
  const [search, setSearch] = useState("");
  const filter = useDebouncedValue(search.trim(), SEARCH_DEBOUNCE_MS);
  const [sorting, setSorting] = useState<SortingState>([{ id: defaultSort, desc: false }]);
  const [pagination, setPagination] = useState<PaginationState>({ pageIndex: 0, pageSize });
  const [focusRowKey, setFocusRowKey] = useState<string | null>(null);
  const clearFocusRequest = useCallback(() => setFocusRowKey(null), []);
  const resetToFirstPage = useCallback(() => setPagination((current) => ({ ...current, pageIndex: 0 })), []);

  const sort = sorting[0];
  return {
    query: {
      start: pagination.pageIndex * pagination.pageSize,
      limit: pagination.pageSize,
      filter,
      sort: sortKeys[sort?.id ?? defaultSort] ?? defaultSort,
      order: sort?.desc === true ? "desc" : "asc",
    },
    tableProps: {
      search,
      onSearchChange: (value) => {
        setSearch(value);
        resetToFirstPage();
      },
      sorting,
      onSortingChange: (next) => {
        setSorting(next);
        resetToFirstPage();
      },
      pagination,
      onPaginationChange: setPagination,
      focusRowKey,
      onRowFocused: clearFocusRequest,
    },
    resetToFirstPage,
    focusRow: setFocusRowKey,
  };
}
