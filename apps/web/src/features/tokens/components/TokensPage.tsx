/**
 * The main screen: one server page of the API tokens the caller may see (search, sort,
 * status filter, paging; never the whole set), and the dialogs that add, edit, rotate,
 * remove and inspect them. The row header is the full token id, unique across users.
 * After a remove, focus goes to the row that took its place.
 *
 * Issue 14: created, last use (with its source) and expiry relative to now, the exact
 * time on hover; a "not used for N days" filter; tokens in a rotation's overlap say
 * until when; each token opens its own audit history (through `onShowHistory`, as a
 * feature does not know the audit screen's address).
 */
import type { ColumnDef } from "@tanstack/react-table";
import { useState } from "react";
import { Button } from "../../../components/Button.js";
import { DataTable, type DataColumnMeta } from "../../../components/DataTable.js";
import { ListPage } from "../../../components/ListPage.js";
import { SelectField } from "../../../components/SelectField.js";
import { lifecycleColumns } from "../../../components/lifecycle-columns.js";
import { TokenStatusCell } from "../../../components/StatusCells.js";
import { useServerList } from "../../../components/use-server-list.js";
import { formatExact, formatRelative } from "../../../lib/relative-time.js";
import { accountActionRefusal, auditLogRefusal, tokenPermissionsRefusal, useCallerRights } from "../../../lib/rights.js";
import { useSessionState } from "../../../lib/session.js";
import { nowEpochSeconds } from "../../../lib/time.js";
import { showToast } from "../../../lib/toasts.js";
import { TOKEN_STATUS_FILTER_LABELS, TOKEN_STATUS_FILTERS, type TokenStatusFilter } from "../../../lib/token-status.js";
import { parseUnusedDays, UNUSED_FILTER_OPTIONS, type UnusedDays } from "../../../lib/unused-filter.js";
import { useTokenOwners } from "../api/get-token-owners.js";
import { useTokenPage, type TokenSortKey } from "../api/get-token-page.js";
import type { TokenRow } from "../api/get-tokens.js";
import { AddTokenDialog } from "./AddTokenDialog.js";
import { EditTokenDialog } from "./EditTokenDialog.js";
import { RegenerateTokenDialog } from "./RegenerateTokenDialog.js";
import { RemoveTokenDialog } from "./RemoveTokenDialog.js";
import { TokenPermissionsDialog } from "./TokenPermissionsDialog.js";
import { TokenSecretDialog } from "./TokenSecretDialog.js";

type OpenDialog =
  | { kind: "add" }
  | { kind: "edit"; token: TokenRow }
  | { kind: "regenerate"; token: TokenRow }
  | { kind: "remove"; token: TokenRow; nextKey: string | null }
  | { kind: "permissions"; token: TokenRow }
  | { kind: "secret"; tokenid: string; secret: string; regenerated: boolean; oldSecretUntil?: number | null };

export const TOKEN_PAGE_SIZE = 50;
const SORT_KEYS: Record<string, TokenSortKey> = { tokenid: "tokenid", status: "enable", expire: "expire", comment: "comment" };

function isStatusFilter(value: string): value is TokenStatusFilter {
  return (TOKEN_STATUS_FILTERS as readonly string[]).includes(value);
}

export interface TokensPageProps {
  /** Opens the audit log filtered on one token id. */
  onShowHistory: (target: string) => void;
}

export function TokensPage({ onShowHistory }: TokensPageProps) {
  const { session } = useSessionState();
  const list = useServerList({ sortKeys: SORT_KEYS, defaultSort: "tokenid", pageSize: TOKEN_PAGE_SIZE });
  const [status, setStatus] = useState<TokenStatusFilter | null>(null);
  const [unusedDays, setUnusedDays] = useState<UnusedDays | null>(null);
  const [dialog, setDialog] = useState<OpenDialog | null>(null);
  const close = () => setDialog(null);
  const nowS = nowEpochSeconds();
  const rights = useCallerRights();

  const tokens = useTokenPage({ ...list.query, status, unusedDays });
  const owners = useTokenOwners();
  const rows = tokens.data?.rows;

  const columns: ColumnDef<TokenRow, unknown>[] = [
    {
      id: "tokenid",
      // An accessor makes the column sortable in TanStack Table; the server sorts.
      accessorFn: (row) => row.tokenid,
      header: "Token",
      cell: ({ row }) => <span className="mono">{row.original.tokenid}</span>,
      meta: { isRowHeader: true } satisfies DataColumnMeta,
    },
    {
      id: "status",
      accessorFn: (row) => row.enable,
      header: "Status",
      cell: ({ row }) => {
        const until = row.original.previousSecretUntil;
        return (
          <div className="cell-stack">
            <TokenStatusCell status={row.original.status} expire={row.original.expire} nowS={nowS} />
            {until === undefined || until <= nowS ? null : (
              <span className="badge badge--warn" title={`The replaced secret is refused from ${formatExact(until)}`}>
                Old secret ends {formatRelative(until, nowS)}
              </span>
            )}
          </div>
        );
      },
    },
    ...lifecycleColumns<TokenRow>({ nowS, lastUsedHeader: "Last used" }),
    {
      id: "comment",
      accessorFn: (row) => row.comment,
      header: "Comment",
      cell: ({ row }) => row.original.comment,
      meta: { className: "cell--comment" } satisfies DataColumnMeta,
    },
    {
      id: "actions",
      header: "Actions",
      enableSorting: false,
      meta: { className: "cell--actions" } satisfies DataColumnMeta,
      cell: ({ row: { original: row, index } }) => {
        const manageRefusal = accountActionRefusal(rights, row.userid, "manage-tokens");
        return (
          <div className="row-actions">
            <Button
              variant="ghost"
              aria-label={`Edit ${row.tokenid}`}
              disabledReason={manageRefusal}
              onClick={() => setDialog({ kind: "edit", token: row })}
            >
              Edit
            </Button>
            <Button
              variant="ghost"
              aria-label={`Show permissions of ${row.tokenid}`}
              disabledReason={tokenPermissionsRefusal(rights, row.userid)}
              onClick={() => setDialog({ kind: "permissions", token: row })}
            >
              Permissions
            </Button>
            <Button
              variant="ghost"
              aria-label={`Show history of ${row.tokenid}`}
              disabledReason={auditLogRefusal(rights)}
              onClick={() => onShowHistory(row.tokenid)}
            >
              History
            </Button>
            <Button
              variant="ghost"
              aria-label={`Regenerate secret of ${row.tokenid}`}
              disabledReason={manageRefusal}
              onClick={() => setDialog({ kind: "regenerate", token: row })}
            >
              Regenerate
            </Button>
            <Button
              variant="ghost"
              className="button--ghost-danger"
              aria-label={`Remove ${row.tokenid}`}
              disabledReason={manageRefusal}
              onClick={() =>
                setDialog({
                  kind: "remove",
                  token: row,
                  nextKey: rows?.[index + 1]?.tokenid ?? rows?.[index - 1]?.tokenid ?? null,
                })
              }
            >
              Remove
            </Button>
          </div>
        );
      },
    },
  ];

  const ownUserid = session?.username ?? "";
  const userids = owners.data?.userids ?? [];
  const ownerChoices = userids.includes(ownUserid) || ownUserid === "" ? userids : [ownUserid, ...userids];

  function renderDialog(open: OpenDialog) {
    switch (open.kind) {
      case "add":
        return (
          <AddTokenDialog
            userids={ownerChoices.length > 0 ? ownerChoices : [ownUserid]}
            defaultUserid={ownUserid}
            onClose={close}
            onCreated={(created) => {
              showToast(`Token ${created.tokenid} created.`);
              setDialog({ kind: "secret", tokenid: created.tokenid, secret: created.value, regenerated: false });
            }}
          />
        );
      case "edit":
        return (
          <EditTokenDialog
            token={open.token}
            onClose={close}
            onSaved={() => {
              close();
              showToast(`Token ${open.token.tokenid} saved.`);
            }}
          />
        );
      case "regenerate":
        return (
          <RegenerateTokenDialog
            token={open.token}
            onClose={close}
            onRegenerated={(result, oldSecretUntil) =>
              setDialog({ kind: "secret", tokenid: result.tokenid, secret: result.secret, regenerated: true, oldSecretUntil })
            }
          />
        );
      case "remove":
        return (
          <RemoveTokenDialog
            token={open.token}
            onClose={close}
            onRemoved={() => {
              close();
              list.focusRow(open.nextKey);
              showToast(`Token ${open.token.tokenid} removed.`);
            }}
          />
        );
      case "permissions":
        return <TokenPermissionsDialog token={open.token} onClose={close} />;
      case "secret":
        return (
          <TokenSecretDialog
            tokenid={open.tokenid}
            secret={open.secret}
            regenerated={open.regenerated}
            oldSecretUntil={open.oldSecretUntil ?? null}
            onClose={close}
          />
        );
    }
  }

  return (
    <ListPage
      title="API tokens"
      actionLabel="Add token"
      onAction={() => setDialog({ kind: "add" })}
      intro="Tokens let scripts call the API without a password. Each one has at most its user's privileges, and none until an ACL entry grants them."
    >
      <DataTable
        caption="API tokens"
        noun="tokens"
        columns={columns}
        rows={rows}
        total={tokens.data?.total}
        getRowKey={(row) => row.tokenid}
        isLoading={tokens.isPending}
        isFetching={tokens.isFetching}
        error={tokens.error}
        onRetry={() => void tokens.refetch()}
        emptyMessage={
          list.query.filter === "" && status === null && unusedDays === null
            ? "No API tokens yet. Add one to let a script call the API."
            : "No token matches the search and filter."
        }
        {...list.tableProps}
        filters={
          <>
            <SelectField
              label="Status"
              value={status ?? "all"}
              onChange={(value) => {
                setStatus(isStatusFilter(value) ? value : null);
                list.resetToFirstPage();
              }}
              options={[
                { value: "all", label: "All" },
                ...TOKEN_STATUS_FILTERS.map((value) => ({ value, label: TOKEN_STATUS_FILTER_LABELS[value] })),
              ]}
            />
            <SelectField
              label="Last used"
              value={unusedDays === null ? "any" : String(unusedDays)}
              onChange={(value) => {
                setUnusedDays(parseUnusedDays(value));
                list.resetToFirstPage();
              }}
              options={UNUSED_FILTER_OPTIONS}
            />
          </>
        }
      />
      {dialog === null ? null : renderDialog(dialog)}
    </ListPage>
  );
}
