import type { ColumnDef } from "@tanstack/react-table";
import { useState } from "react";
import { DataTable, type DataColumnMeta } from "../../../components/DataTable.js";
import { Button } from "../../../components/Button.js";
import { ListPage } from "../../../components/ListPage.js";
import { lifecycleColumns } from "../../../components/lifecycle-columns.js";
import { SelectField } from "../../../components/SelectField.js";
import { UserStatusCell } from "../../../components/StatusCells.js";
import { useServerList } from "../../../components/use-server-list.js";
import { accountActionRefusal, addUserRefusal, auditLogRefusal, useCallerRights } from "../../../lib/rights.js";
import { parseUnusedDays, UNUSED_FILTER_OPTIONS, type UnusedDays } from "../../../lib/unused-filter.js";
import { nowEpochSeconds } from "../../../lib/time.js";
import { showToast } from "../../../lib/toasts.js";
import { useUserPage, type UserRow, type UserSortKey } from "../api/get-users.js";
import { AddUserDialog } from "./AddUserDialog.js";
import { ChangePasswordDialog } from "./ChangePasswordDialog.js";
import { DeleteUserDialog } from "./DeleteUserDialog.js";
import { EditUserDialog } from "./EditUserDialog.js";
import { EndSessionsDialog } from "./EndSessionsDialog.js";

type OpenDialog =
  | { kind: "add" }
  | { kind: "edit"; user: UserRow }
  | { kind: "password"; user: UserRow }
  | { kind: "end-sessions"; user: UserRow }
  | { kind: "delete"; user: UserRow; nextKey: string | null };

const USER_PAGE_SIZE = 50;
const SORT_KEYS: Record<string, UserSortKey> = { userid: "userid", status: "enable", expire: "expire" };

function fullName(user: UserRow): string {
  return [user.firstname, user.lastname].filter((part) => part !== "").join(" ");
}

export interface UsersPageProps {
  /** Opens the audit log filtered on one user (and its tokens). */
  onShowHistory: (target: string) => void;
}

/**
 * The users, one server page at a time, with their created and last-login times
 * relative to now (issue 14), a "not used for N days" filter, and each user's history.
 */
export function UsersPage({ onShowHistory }: UsersPageProps) {
  const list = useServerList({ sortKeys: SORT_KEYS, defaultSort: "userid", pageSize: USER_PAGE_SIZE });
  const [unusedDays, setUnusedDays] = useState<UnusedDays | null>(null);
  const users = useUserPage({ ...list.query, unusedDays });
  const rows = users.data?.rows;
  const [dialog, setDialog] = useState<OpenDialog | null>(null);
  const close = () => setDialog(null);
  const nowS = nowEpochSeconds();
  const rights = useCallerRights();

  const columns: ColumnDef<UserRow, unknown>[] = [
    {
      id: "userid",
      accessorFn: (row) => row.userid,
      header: "User",
      cell: ({ row }) => row.original.userid,
      meta: { isRowHeader: true } satisfies DataColumnMeta,
    },
    {
      id: "status",
      accessorFn: (row) => row.enable,
      header: "Status",
      cell: ({ row }) => <UserStatusCell enable={row.original.enable} expire={row.original.expire} nowS={nowS} />,
    },
    ...lifecycleColumns<UserRow>({ nowS, lastUsedHeader: "Last login" }),
    { id: "name", header: "Name", enableSorting: false, cell: ({ row }) => fullName(row.original) },
    { id: "email", header: "Email", enableSorting: false, cell: ({ row }) => row.original.email },
    {
      id: "comment",
      header: "Comment",
      enableSorting: false,
      cell: ({ row }) => row.original.comment,
      meta: { className: "cell--comment" } satisfies DataColumnMeta,
    },
    {
      id: "actions",
      header: "Actions",
      enableSorting: false,
      meta: { className: "cell--actions" } satisfies DataColumnMeta,
      cell: ({ row: { original: row, index } }) => (
        <div className="row-actions">
          <Button
            variant="ghost"
            aria-label={`Edit ${row.userid}`}
            disabledReason={accountActionRefusal(rights, row.userid, "update")}
            onClick={() => setDialog({ kind: "edit", user: row })}
          >
            Edit
          </Button>
          <Button
            variant="ghost"
            aria-label={`Show history of ${row.userid}`}
            disabledReason={auditLogRefusal(rights)}
            onClick={() => onShowHistory(row.userid)}
          >
            History
          </Button>
          <Button
            variant="ghost"
            aria-label={`Change password of ${row.userid}`}
            disabledReason={accountActionRefusal(rights, row.userid, "set-password")}
            onClick={() => setDialog({ kind: "password", user: row })}
          >
            Password
          </Button>
          <Button
            variant="ghost"
            aria-label={`End sessions of ${row.userid}`}
            disabledReason={accountActionRefusal(rights, row.userid, "end-sessions")}
            onClick={() => setDialog({ kind: "end-sessions", user: row })}
          >
            End sessions
          </Button>
          <Button
            variant="ghost"
            className="button--ghost-danger"
            aria-label={`Delete ${row.userid}`}
            disabledReason={accountActionRefusal(rights, row.userid, "delete")}
            onClick={() =>
              setDialog({
                kind: "delete",
                user: row,
                nextKey: rows?.[index + 1]?.userid ?? rows?.[index - 1]?.userid ?? null,
              })
            }
          >
            Delete
          </Button>
        </div>
      ),
    },
  ];

  function renderDialog(open: OpenDialog) {
    switch (open.kind) {
      case "add":
        return (
          <AddUserDialog
            onClose={close}
            onCreated={(userid) => {
              close();
              showToast(`User ${userid} added.`);
            }}
          />
        );
      case "edit":
        return (
          <EditUserDialog
            user={open.user}
            onClose={close}
            onSaved={() => {
              close();
              showToast(`User ${open.user.userid} saved.`);
            }}
          />
        );
      case "password":
        return <ChangePasswordDialog userid={open.user.userid} onClose={close} />;
      case "end-sessions":
        return (
          <EndSessionsDialog
            userid={open.user.userid}
            onClose={close}
            onEnded={() => {
              close();
              showToast(`Every session of ${open.user.userid} has ended.`);
            }}
          />
        );
      case "delete":
        return (
          <DeleteUserDialog
            userid={open.user.userid}
            onClose={close}
            onDeleted={() => {
              close();
              list.focusRow(open.nextKey);
              showToast(`User ${open.user.userid} deleted.`);
            }}
          />
        );
    }
  }

  return (
    <ListPage
      title="Users"
      actionLabel="Add user"
      actionDisabledReason={addUserRefusal(rights)}
      onAction={() => setDialog({ kind: "add" })}
    >
      <DataTable
        caption="Users"
        noun="users"
        columns={columns}
        rows={rows}
        total={users.data?.total}
        getRowKey={(row) => row.userid}
        isLoading={users.isPending}
        isFetching={users.isFetching}
        error={users.error}
        onRetry={() => void users.refetch()}
        emptyMessage={
          unusedDays !== null
            ? "No user matches the search and filter."
            : list.query.filter === ""
              ? "No users to show."
              : "No user matches the search."
        }
        {...list.tableProps}
        filters={
          <SelectField
            label="Last login"
            value={unusedDays === null ? "any" : String(unusedDays)}
            onChange={(value) => {
              setUnusedDays(parseUnusedDays(value));
              list.resetToFirstPage();
            }}
            options={UNUSED_FILTER_OPTIONS}
          />
        }
      />
      {dialog === null ? null : renderDialog(dialog)}
    </ListPage>
  );
}
