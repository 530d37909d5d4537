import { ConfirmDialog } from "../../../components/ConfirmDialog.js";
import { useSessionState } from "../../../lib/session.js";
import { useDeleteUser } from "../api/delete-user.js";

export interface DeleteUserDialogProps {
  userid: string;
  onDeleted: () => void;
  onClose: () => void;
}

export function DeleteUserDialog({ userid, onDeleted, onClose }: DeleteUserDialogProps) {
  const deleteUser = useDeleteUser();
  const isSelf = useSessionState().session?.username === userid;
  return (
    <ConfirmDialog
      title="Delete user?"
      confirmLabel="Delete user"
      pending={deleteUser.isPending}
      error={deleteUser.error}
      onCancel={onClose}
      onConfirm={() => deleteUser.mutate(userid, { onSuccess: onDeleted })}
      confirmPhrase={isSelf ? userid : undefined}
    >
      {isSelf ? <p className="warning">This is your own account: you will be logged out and cannot log in again.</p> : null}
      <p>
        <strong>{userid}</strong> will be deleted.
      </p>
      <p className="warning">
        All API tokens of this user are deleted with it, together with every permission entry of the user and its tokens. Scripts using
        those tokens lose access immediately.
      </p>
    </ConfirmDialog>
  );
}
