/**
 * The audit log (issue 14, decision 030): who did what to which account or token,
 * from where, and whether it worked; newest first, one server page at a time. The
 * filters are the server's: a time range, the actor, the target (a user also selects
 * its tokens) and the action or its area. `initialTarget` comes from a user's or a
 * token's History button.
 */
import type { ColumnDef, PaginationState, SortingState } from "@tanstack/react-table";
import { useState } from "react";
import { DataTable, type DataColumnMeta } from "../../../components/DataTable.js";
import { RelativeTime } from "../../../components/RelativeTime.js";
import { SelectField } from "../../../components/SelectField.js";
import { TextField } from "../../../components/TextField.js";
import { Button } from "../../../components/Button.js";
import { nowEpochSeconds, parseDateTimeLocal } from "../../../lib/time.js";
import { useDebouncedValue } from "../../../lib/use-debounced-value.js";
import { useAuditPage, type AuditRow } from "../api/get-audit-page.js";
import { AUDIT_ACTION_OPTIONS, describeAction, describeOutcome } from "./audit-words.js";

export const AUDIT_PAGE_SIZE = 50;
const TEXT_DEBOUNCE_MS = 300;
const NO_SORTING: SortingState = [];

export interface AuditPageProps {
  initialTarget: string;
}

export function AuditPage({ initialTarget }: AuditPageProps) {
  const [actor, setActor] = useState("");
  const [target, setTarget] = useState(initialTarget);
  const [action, setAction] = useState("");
  const [sinceText, setSinceText] = useState("");
  const [untilText, setUntilText] = useState("");
  const [pagination, setPagination] = useState<PaginationState>({ pageIndex: 0, pageSize: AUDIT_PAGE_SIZE });
  const debouncedActor = useDebouncedValue(actor.trim(), TEXT_DEBOUNCE_MS);
  const debouncedTarget = useDebouncedValue(target.trim(), TEXT_DEBOUNCE_MS);
  const since = parseDateTimeLocal(sinceText);
  const until = parseDateTimeLocal(untilText);
  const rangeError =
    since !== null && until !== null && since !== 0 && until !== 0 && until <= since ? "The end must be after the start." : null;
  const nowS = nowEpochSeconds();

  const records = useAuditPage({
    start: pagination.pageIndex * pagination.pageSize,
    limit: pagination.pageSize,
    // A malformed or reversed range is shown at its field and not sent.
    since: since === null || since === 0 || rangeError !== null ? null : since,
    until: until === null || until === 0 || rangeError !== null ? null : until,
    actor: debouncedActor,
    target: debouncedTarget,
    action,
  });

  function firstPage() {
    setPagination((current) => ({ ...current, pageIndex: 0 }));
  }

  const filtered = actor !== "" || target !== "" || action !== "" || sinceText !== "" || untilText !== "";

  const columns: ColumnDef<AuditRow, unknown>[] = [
    {
      id: "time",
      header: "Time",
      cell: ({ row }) => <RelativeTime epochS={row.original.time} nowS={nowS} />,
      meta: { isRowHeader: true } satisfies DataColumnMeta,
    },
    {
      id: "actor",
      header: "Actor",
      cell: ({ row }) => <span className="mono">{row.original.actor === "" ? "unknown" : row.original.actor}</span>,
    },
    { id: "action", header: "Action", cell: ({ row }) => describeAction(row.original.action) },
    { id: "target", header: "Target", cell: ({ row }) => <span className="mono">{row.original.target}</span> },
    {
      id: "outcome",
      header: "Outcome",
      cell: ({ row }) => {
        const view = describeOutcome(row.original.outcome);
        return <span className={`badge badge--${view.tone}`}>{view.label}</span>;
      },
    },
    { id: "source", header: "Source", cell: ({ row }) => row.original.source },
    {
      id: "detail",
      header: "Detail",
      cell: ({ row }) => row.original.detail,
      meta: { className: "cell--comment" } satisfies DataColumnMeta,
    },
  ];

  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page__header">
        <h1 id="page-title" tabIndex={-1}>
          Audit log
        </h1>
      </header>
      <p className="page__intro">
        Every login, change of users, tokens, passwords and permissions, refused write and lockout, newest first. Records never hold a
        secret or password.
      </p>
      <DataTable
        caption="Audit log"
        noun="records"
        columns={columns.map((column) => ({ ...column, enableSorting: false }))}
        rows={records.data?.rows}
        total={records.data?.total}
        getRowKey={(row) => String(row.id)}
        isLoading={records.isPending}
        isFetching={records.isFetching}
        error={records.error}
        onRetry={() => void records.refetch()}
        emptyMessage={filtered ? "No record matches the filters." : "The audit log is empty."}
        sorting={NO_SORTING}
        onSortingChange={() => undefined}
        pagination={pagination}
        onPaginationChange={setPagination}
        filters={
          <>
            <TextField
              label="Target"
              value={target}
              hint="A user also shows its tokens"
              onChange={(value) => {
                setTarget(value);
                firstPage();
              }}
              autoComplete="off"
              spellCheck={false}
              maxLength={256}
            />
            <TextField
              label="Actor"
              value={actor}
              onChange={(value) => {
                setActor(value);
                firstPage();
              }}
              autoComplete="off"
              spellCheck={false}
              maxLength={256}
            />
            <SelectField
              label="Action"
              value={action}
              onChange={(value) => {
                setAction(value);
                firstPage();
              }}
              options={AUDIT_ACTION_OPTIONS}
            />
            <TextField
              label="From"
              type="datetime-local"
              value={sinceText}
              error={since === null ? "Enter a date and time." : null}
              onChange={(value) => {
                setSinceText(value);
                firstPage();
              }}
            />
            <TextField
              label="Until"
              type="datetime-local"
              value={untilText}
              error={until === null ? "Enter a date and time." : rangeError}
              onChange={(value) => {
                setUntilText(value);
                firstPage();
              }}
            />
            {filtered ? (
              <Button
                onClick={() => {
                  setActor("");
                  setTarget("");
                  setAction("");
                  setSinceText("");
                  setUntilText("");
                  firstPage();
                }}
              >
                Clear filters
              </Button>
            ) : null}
          </>
        }
      />
    </section>
  );
}
