import { ConfirmDialog } from "../../../components/ConfirmDialog.js";
import { useDeleteToken } from "../api/delete-token.js";
import type { TokenRow } from "../api/get-tokens.js";

export interface RemoveTokenDialogProps {
  token: TokenRow;
  onRemoved: () => void;
  onClose: () => void;
}

export function RemoveTokenDialog({ token, onRemoved, onClose }: RemoveTokenDialogProps) {
  const deleteToken = useDeleteToken();
  return (
    <ConfirmDialog
      title="Remove token?"
      confirmLabel="Remove token"
      pending={deleteToken.isPending}
      error={deleteToken.error}
      onCancel={onClose}
      onConfirm={() => deleteToken.mutate({ userid: token.userid, tokenName: token.tokenName }, { onSuccess: onRemoved })}
    >
      <p>
        <strong>{token.tokenid}</strong> and its permission entries will be deleted. Anything using it loses access immediately. This cannot
        be undone.
      </p>
    </ConfirmDialog>
  );
}
