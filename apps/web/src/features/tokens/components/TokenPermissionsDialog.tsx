import { Button } from "../../../components/Button.js";
import { Dialog } from "../../../components/Dialog.js";
import { Table, type TableColumn } from "../../../components/Table.js";
import { useTokenPermissions, type PermissionRow } from "../api/get-token-permissions.js";
import type { TokenRow } from "../api/get-tokens.js";

const COLUMNS: readonly TableColumn<PermissionRow>[] = [
  { id: "path", header: "Path", render: (row) => <code>{row.path}</code> },
  { id: "privilege", header: "Privilege", render: (row) => row.privilege },
  { id: "propagate", header: "Propagates", render: (row) => (row.propagate ? "yes" : "no") },
];

export interface TokenPermissionsDialogProps {
  token: TokenRow;
  onClose: () => void;
}

export function TokenPermissionsDialog({ token, onClose }: TokenPermissionsDialogProps) {
  const permissions = useTokenPermissions(token.tokenid);
  return (
    <Dialog
      title={`Permissions of ${token.tokenid}`}
      description="Effective privileges: what the token's own ACL entries grant, limited to what its user has."
      onClose={onClose}
    >
      <Table
        caption="Effective privileges"
        columns={COLUMNS}
        rows={permissions.data}
        getRowKey={(row) => `${row.path} ${row.privilege}`}
        isLoading={permissions.isPending}
        error={permissions.error}
        emptyMessage="This token has no privileges. Grant some on the Permissions screen."
      />
      <div className="actions">
        <Button variant="primary" onClick={onClose} data-autofocus>
          Close
        </Button>
      </div>
    </Dialog>
  );
}
