/**
 * A data table with the three states every list needs: loading, failed and empty.
 * The caption names the table for screen readers and keyboard navigation.
 */
import type { ReactNode } from "react";
import { isPermissionDenied } from "../lib/api-error.js";
import { ErrorMessage } from "./ErrorMessage.js";

export interface TableColumn<Row> {
  id: string;
  header: string;
  render: (row: Row) => ReactNode;
  /** Row headers make screen readers announce e.g. the token name with each cell. */
  isRowHeader?: boolean;
  className?: string;
}

export interface TableProps<Row> {
  caption: string;
  columns: readonly TableColumn<Row>[];
  rows: readonly Row[] | undefined;
  getRowKey: (row: Row) => string;
  isLoading: boolean;
  error: unknown;
  emptyMessage: ReactNode;
  onRetry?: () => void;
}

export function Table<Row>({ caption, columns, rows: cachedRows, getRowKey, isLoading, error, emptyMessage, onRetry }: TableProps<Row>) {
  // After a 403 the rows on screen are what the caller may no longer see: drop them.
  const rows = isPermissionDenied(error) ? undefined : cachedRows;
  if (error !== null && error !== undefined && rows === undefined) return <ErrorMessage error={error} onRetry={onRetry} />;
  if (isLoading || rows === undefined) {
    return (
      <p className="table-status" role="status">
        Loading {caption.toLowerCase()}…
      </p>
    );
  }
  if (rows.length === 0) {
    return (
      <p className="table-status table-status--empty" role="status">
        {emptyMessage}
      </p>
    );
  }
  return (
    <div className="table-wrap">
      {/* Above the rows, where the user is looking, not below a long table. */}
      {error === null || error === undefined ? null : <ErrorMessage error={error} onRetry={onRetry} />}
      <table className="table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.id} scope="col" className={column.className}>
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={getRowKey(row)}>
              {columns.map((column) =>
                column.isRowHeader === true ? (
                  <th key={column.id} scope="row" className={column.className} data-label={column.header}>
                    {column.render(row)}
                  </th>
                ) : (
                  <td key={column.id} className={column.className} data-label={column.header}>
                    {column.render(row)}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
