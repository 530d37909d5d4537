import { ConfirmDialog } from "../../../components/ConfirmDialog.js";
import type { AclRow } from "../api/get-acl.js";
import { useRemoveAclEntry } from "../api/remove-acl-entry.js";

export interface RemoveAclEntryDialogProps {
  entry: AclRow;
  onClose: () => void;
}

export function RemoveAclEntryDialog({ entry, onClose }: RemoveAclEntryDialogProps) {
  const removeEntry = useRemoveAclEntry();
  return (
    <ConfirmDialog
      title="Remove permission?"
      confirmLabel="Remove permission"
      pending={removeEntry.isPending}
      error={removeEntry.error}
      onCancel={onClose}
      onConfirm={() =>
        removeEntry.mutate({ path: entry.path, role: entry.roleid, authId: entry.ugid }, { onSuccess: onClose })
      }
    >
      <p>
        <strong>{entry.ugid}</strong> loses the role <strong>{entry.roleid}</strong> on <code>{entry.path}</code>
        {entry.propagate ? " and the paths below it" : ""}.
      </p>
    </ConfirmDialog>
  );
}
