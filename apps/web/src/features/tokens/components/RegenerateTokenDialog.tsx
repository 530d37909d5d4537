import { ConfirmDialog } from "../../../components/ConfirmDialog.js";
import type { TokenRow } from "../api/get-tokens.js";
import { useRegenerateToken, type RegeneratedToken } from "../api/regenerate-token.js";

export interface RegenerateTokenDialogProps {
  token: TokenRow;
  onRegenerated: (result: RegeneratedToken) => void;
  onClose: () => void;
}

export function RegenerateTokenDialog({ token, onRegenerated, onClose }: RegenerateTokenDialogProps) {
  const regenerate = useRegenerateToken();
  return (
    <ConfirmDialog
      title="Regenerate secret?"
      confirmLabel="Regenerate secret"
      pending={regenerate.isPending}
      error={regenerate.error}
      onCancel={onClose}
      onConfirm={() =>
        regenerate.mutate({ userid: token.userid, tokenName: token.tokenName }, { onSuccess: onRegenerated })
      }
    >
      <p>
        A new secret replaces the current one of <strong>{token.tokenid}</strong>.
      </p>
      <p className="warning">
        Every script or service that uses the old secret loses access immediately, on every server.
      </p>
    </ConfirmDialog>
  );
}
