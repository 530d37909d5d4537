/**
 * The main screen: every API token the caller may see, and the dialogs that add,
 * edit, rotate, remove and inspect them. One dialog is open at a time; the secret
 * dialog follows create and regenerate and is the only place a secret appears.
 */
import { useState } from "react";
import { Button } from "../../../components/Button.js";
import { ListPage } from "../../../components/ListPage.js";
import { ExpiresCell, TokenStatusCell } from "../../../components/StatusCells.js";
import { Table, type TableColumn } from "../../../components/Table.js";
import { useSessionState } from "../../../lib/session.js";
import { nowEpochSeconds } from "../../../lib/time.js";
import { showToast } from "../../../lib/toasts.js";
import { useTokens, type TokenRow } from "../api/get-tokens.js";
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
  | { kind: "remove"; token: TokenRow }
  | { kind: "permissions"; token: TokenRow }
  | { kind: "secret"; tokenid: string; secret: string; regenerated: boolean };

export function TokensPage() {
  const tokens = useTokens();
  const { session } = useSessionState();
  const [dialog, setDialog] = useState<OpenDialog | null>(null);
  const close = () => setDialog(null);
  const nowS = nowEpochSeconds();

  const columns: TableColumn<TokenRow>[] = [
    { id: "user", header: "User", render: (row) => row.userid },
    { id: "name", header: "Token name", render: (row) => row.tokenName, isRowHeader: true },
    { id: "status", header: "Status", render: (row) => <TokenStatusCell status={row.status} expire={row.expire} nowS={nowS} /> },
    { id: "expire", header: "Expires", render: (row) => <ExpiresCell expire={row.expire} /> },
    { id: "comment", header: "Comment", render: (row) => row.comment, className: "cell--comment" },
    {
      id: "actions",
      header: "Actions",
      className: "cell--actions",
      render: (row) => (
        <div className="row-actions">
          <Button variant="ghost" aria-label={`Edit ${row.tokenid}`} onClick={() => setDialog({ kind: "edit", token: row })}>
            Edit
          </Button>
          <Button
            variant="ghost"
            aria-label={`Show permissions of ${row.tokenid}`}
            onClick={() => setDialog({ kind: "permissions", token: row })}
          >
            Permissions
          </Button>
          <Button
            variant="ghost"
            aria-label={`Regenerate secret of ${row.tokenid}`}
            onClick={() => setDialog({ kind: "regenerate", token: row })}
          >
            Regenerate
          </Button>
          <Button
            variant="ghost"
            className="button--ghost-danger"
            aria-label={`Remove ${row.tokenid}`}
            onClick={() => setDialog({ kind: "remove", token: row })}
          >
            Remove
          </Button>
        </div>
      ),
    },
  ];

  const userids = tokens.data?.userids ?? [];
  const ownUserid = session?.username ?? "";
  const defaultUserid = userids.includes(ownUserid) ? ownUserid : (userids[0] ?? ownUserid);

  function renderDialog(open: OpenDialog) {
    switch (open.kind) {
      case "add":
        return (
          <AddTokenDialog
            userids={userids.length > 0 ? userids : [ownUserid]}
            defaultUserid={defaultUserid}
            onClose={close}
            onCreated={(created) =>
              setDialog({ kind: "secret", tokenid: created.tokenid, secret: created.value, regenerated: false })
            }
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
            onRegenerated={(result) =>
              setDialog({ kind: "secret", tokenid: result.tokenid, secret: result.secret, regenerated: true })
            }
          />
        );
      case "remove":
        return <RemoveTokenDialog token={open.token} onClose={close} />;
      case "permissions":
        return <TokenPermissionsDialog token={open.token} onClose={close} />;
      case "secret":
        return (
          <TokenSecretDialog tokenid={open.tokenid} secret={open.secret} regenerated={open.regenerated} onClose={close} />
        );
    }
  }

  return (
    <ListPage
      title="API tokens"
      actionLabel="Add token"
      onAction={() => setDialog({ kind: "add" })}
      actionDisabled={tokens.isPending}
      intro="Tokens let scripts call the API without a password. Each one has at most its user's privileges, and none until an ACL entry grants them."
    >
      <Table
        caption="API tokens"
        columns={columns}
        rows={tokens.data?.tokens}
        getRowKey={(row) => row.tokenid}
        isLoading={tokens.isPending}
        error={tokens.error}
        emptyMessage="No API tokens yet. Add one to let a script call the API."
      />
      {dialog === null ? null : renderDialog(dialog)}
    </ListPage>
  );
}
