import { ConfirmDialog } from "../../../components/ConfirmDialog.js";
import { useUnlockTfa } from "../api/unlock-tfa.js";

export interface UnlockDialogProps {
  userid: string;
  onClose: () => void;
  onUnlocked: (wasLocked: boolean) => void;
}

export function UnlockDialog({ userid, onClose, onUnlocked }: UnlockDialogProps) {
  const unlock = useUnlockTfa();
  return (
    <ConfirmDialog
      title={`Unlock second factors of ${userid}?`}
      confirmLabel="Unlock"
      pending={unlock.isPending}
      error={unlock.error}
      onCancel={onClose}
      onConfirm={() => unlock.mutate(userid, { onSuccess: onUnlocked })}
    >
      <p>
        Clears the lock after too many wrong authenticator codes and the hour-long lockout after repeated failures, and resets the failure
        counts. Unlock only once you know the failures were the user&apos;s own.
      </p>
    </ConfirmDialog>
  );
}
