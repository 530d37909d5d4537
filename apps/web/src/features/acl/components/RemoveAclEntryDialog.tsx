import { ConfirmDialog } from "../../../components/ConfirmDialog.js";
import { useSessionState } from "../../../lib/session.js";
import type { AclRow } from "../api/get-acl.js";
import { useRemoveAclEntry } from "../api/remove-acl-entry.js";

export interface RemoveAclEntryDialogProps {
  entry: AclRow;
  onClose: () => void;
}

export function RemoveAclEntryDialog({ entry, onClose }: RemoveAclEntryDialogProps) {
  const removeEntry = useRemoveAclEntry();
  // Removing one's own Admin entry can take away the right to undo it.
  const isOwnAdmin = useSessionState().session?.username === entry.ugid && entry.roleid === "Admin";
  return (
    <ConfirmDialog
      title="Remove permission?"
      confirmLabel="Remove permission"
      pending={removeEntry.isPending}
      error={removeEntry.error}
      onCancel={onClose}
      confirmPhrase={isOwnAdmin ? entry.ugid : undefined}
      onConfirm={() => removeEntry.mutate({ path: entry.path, role: entry.roleid, authId: entry.ugid }, { onSuccess: onClose })}
    >
      <p>
        <strong>{entry.ugid}</strong> loses the role <strong>{entry.roleid}</strong> on <code>{entry.path}</code>
        {entry.propagate ? " and the paths below it" : ""}.
      </p>
      {isOwnAdmin ? (
        <p className="warning">This is your own Admin entry: without it you may not be able to manage access any more.</p>
      ) : null}
    </ConfirmDialog>
  );
}
