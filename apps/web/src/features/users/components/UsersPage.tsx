import { useState } from "react";
import { Button } from "../../../components/Button.js";
import { ListPage } from "../../../components/ListPage.js";
import { ExpiresCell, UserStatusCell } from "../../../components/StatusCells.js";
import { Table, type TableColumn } from "../../../components/Table.js";
import { nowEpochSeconds } from "../../../lib/time.js";
import { showToast } from "../../../lib/toasts.js";
import { useUsers, type UserRow } from "../api/get-users.js";
import { AddUserDialog } from "./AddUserDialog.js";
import { ChangePasswordDialog } from "./ChangePasswordDialog.js";
import { DeleteUserDialog } from "./DeleteUserDialog.js";
import { EditUserDialog } from "./EditUserDialog.js";

type OpenDialog =
  | { kind: "add" }
  | { kind: "edit"; user: UserRow }
  | { kind: "password"; user: UserRow }
  | { kind: "delete"; user: UserRow };

function fullName(user: UserRow): string {
  return [user.firstname, user.lastname].filter((part) => part !== "").join(" ");
}

export function UsersPage() {
  const users = useUsers();
  const [dialog, setDialog] = useState<OpenDialog | null>(null);
  const close = () => setDialog(null);
  const nowS = nowEpochSeconds();

  const columns: TableColumn<UserRow>[] = [
    { id: "userid", header: "User", render: (row) => row.userid, isRowHeader: true },
    { id: "status", header: "Status", render: (row) => <UserStatusCell enable={row.enable} expire={row.expire} nowS={nowS} /> },
    { id: "expire", header: "Expires", render: (row) => <ExpiresCell expire={row.expire} /> },
    { id: "name", header: "Name", render: fullName },
    { id: "email", header: "Email", render: (row) => row.email },
    { id: "comment", header: "Comment", render: (row) => row.comment, className: "cell--comment" },
    {
      id: "actions",
      header: "Actions",
      className: "cell--actions",
      render: (row) => (
        <div className="row-actions">
          <Button variant="ghost" aria-label={`Edit ${row.userid}`} onClick={() => setDialog({ kind: "edit", user: row })}>
            Edit
          </Button>
          <Button
            variant="ghost"
            aria-label={`Change password of ${row.userid}`}
            onClick={() => setDialog({ kind: "password", user: row })}
          >
            Password
          </Button>
          <Button
            variant="ghost"
            className="button--ghost-danger"
            aria-label={`Delete ${row.userid}`}
            onClick={() => setDialog({ kind: "delete", user: row })}
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
      case "delete":
        return <DeleteUserDialog userid={open.user.userid} onClose={close} />;
    }
  }

  return (
    <ListPage title="Users" actionLabel="Add user" onAction={() => setDialog({ kind: "add" })}>
      <Table
        caption="Users"
        columns={columns}
        rows={users.data}
        getRowKey={(row) => row.userid}
        isLoading={users.isPending}
        error={users.error}
        emptyMessage="No users to show."
      />
      {dialog === null ? null : renderDialog(dialog)}
    </ListPage>
  );
}
