import { useState } from "react";
import { Button } from "../../../components/Button.js";
import { ListPage } from "../../../components/ListPage.js";
import { Table, type TableColumn } from "../../../components/Table.js";
import { removeAclEntryRefusal, useCallerRights } from "../../../lib/rights.js";
import { useAcl, type AclRow } from "../api/get-acl.js";
import { AddAclEntryDialog } from "./AddAclEntryDialog.js";
import { RemoveAclEntryDialog } from "./RemoveAclEntryDialog.js";

type OpenDialog = { kind: "add" } | { kind: "remove"; entry: AclRow };

function describeEntry(entry: AclRow): string {
  return `${entry.roleid} for ${entry.ugid} on ${entry.path}`;
}

export function PermissionsPage() {
  const acl = useAcl();
  const rights = useCallerRights();
  const [dialog, setDialog] = useState<OpenDialog | null>(null);
  const close = () => setDialog(null);

  const columns: TableColumn<AclRow>[] = [
    { id: "path", header: "Path", render: (row) => <code>{row.path}</code>, isRowHeader: true },
    { id: "ugid", header: "User or token", render: (row) => row.ugid },
    { id: "type", header: "Type", render: (row) => row.ugidType },
    { id: "role", header: "Role", render: (row) => row.roleid },
    { id: "propagate", header: "Propagate", render: (row) => (row.propagate ? "yes" : "no") },
    {
      id: "actions",
      header: "Actions",
      className: "cell--actions",
      render: (row) => (
        <div className="row-actions">
          <Button
            variant="ghost"
            className="button--ghost-danger"
            aria-label={`Remove ${describeEntry(row)}`}
            disabledReason={removeAclEntryRefusal(rights, row.ugid)}
            onClick={() => setDialog({ kind: "remove", entry: row })}
          >
            Remove
          </Button>
        </div>
      ),
    },
  ];

  function renderDialog(open: OpenDialog) {
    switch (open.kind) {
      case "add":
        return <AddAclEntryDialog onClose={close} />;
      case "remove":
        return <RemoveAclEntryDialog entry={open.entry} onClose={close} />;
    }
  }

  return (
    <ListPage
      title="Permissions"
      actionLabel="Add permission"
      onAction={() => setDialog({ kind: "add" })}
      intro="Each entry gives a user or a token a role on a path. A token never has more than its user."
    >
      <Table
        caption="Access control list"
        columns={columns}
        rows={acl.data}
        getRowKey={(row) => `${row.path} ${row.ugid} ${row.roleid}`}
        isLoading={acl.isPending}
        error={acl.error}
        onRetry={() => void acl.refetch()}
        emptyMessage="No permission entries yet."
      />
      {dialog === null ? null : renderDialog(dialog)}
    </ListPage>
  );
}
