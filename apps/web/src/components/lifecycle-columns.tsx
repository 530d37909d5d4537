/**
 * The Expires, Created and Last used columns that the users and API-token lists share
 * (issue 14): each time relative to the list's one "now", the exact time on hover.
 * The server sorts on expiry only, so the other two are not sortable.
 */
import type { ColumnDef } from "@tanstack/react-table";
import { OptionalRelativeTime } from "./RelativeTime.js";
import { ExpiresCell } from "./StatusCells.js";

/** What a row needs for the three columns; the users and tokens rows both have it. */
export interface LifecycleRow {
  /** Epoch seconds, 0 for never. */
  expire: number;
  created: number | undefined;
  lastUsed: number | undefined;
  /** The address of the last use, when the server recorded one. */
  lastUsedSource: string | undefined;
}

export interface LifecycleColumnsOptions {
  /** One "now" per render of the list, so every row is judged against the same second. */
  nowS: number;
  /** The last-use column's header: "Last used" for a token, "Last login" for a user. */
  lastUsedHeader: string;
}

/** The three columns in list order: Expires (id `expire`), Created, then the last use. */
export function lifecycleColumns<Row extends LifecycleRow>({ nowS, lastUsedHeader }: LifecycleColumnsOptions): ColumnDef<Row, unknown>[] {
  return [
    {
      id: "expire",
      // An accessor makes the column sortable in TanStack Table; the server sorts.
      accessorFn: (row) => row.expire,
      header: "Expires",
      cell: ({ row }) => <ExpiresCell expire={row.original.expire} nowS={nowS} />,
    },
    {
      id: "created",
      header: "Created",
      enableSorting: false,
      cell: ({ row }) => <OptionalRelativeTime epochS={row.original.created} nowS={nowS} missing="not recorded" />,
    },
    {
      id: "last-used",
      header: lastUsedHeader,
      enableSorting: false,
      cell: ({ row }) => (
        <OptionalRelativeTime
          epochS={row.original.lastUsed}
          nowS={nowS}
          missing="never"
          {...(row.original.lastUsedSource === undefined ? {} : { suffix: `from ${row.original.lastUsedSource}` })}
        />
      ),
    },
  ];
}
