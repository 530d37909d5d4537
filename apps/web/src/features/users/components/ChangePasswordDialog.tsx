import { useState, type FormEvent } from "react";
import { Dialog } from "../../../components/Dialog.js";
import { FormActions } from "../../../components/FormActions.js";
import { PasswordConfirmField } from "../../../components/PasswordConfirmField.js";
import { ErrorMessage } from "../../../components/ErrorMessage.js";
import { TextField } from "../../../components/TextField.js";
import { validatePassword } from "../../../lib/validation.js";
import { useChangePassword } from "../api/change-password.js";

export interface ChangePasswordDialogProps {
  userid: string;
  onClose: () => void;
}

export function ChangePasswordDialog({ userid, onClose }: ChangePasswordDialogProps) {
  const changePassword = useChangePassword();
  const [password, setPassword] = useState("");
  const [confirmation, setConfirmation] = useState("");
  const [currentPassword, setCurrentPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [currentPasswordError, setCurrentPasswordError] = useState<string | null>(null);

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const problem = validatePassword(password, confirmation);
    const missingCurrent = currentPassword === "" ? "Enter your own current password to confirm the change." : null;
    setError(problem);
    setCurrentPasswordError(missingCurrent);
    if (problem !== null || missingCurrent !== null) return;
    changePassword.mutate({ userid, password, confirmationPassword: currentPassword }, { onSuccess: onClose });
  }

  return (
    <Dialog title={`Change password of ${userid}`} onClose={onClose} busy={changePassword.isPending}>
      <form onSubmit={handleSubmit} noValidate className="form">
        <TextField label="New password" type="password" value={password} onChange={setPassword} error={error} autoComplete="new-password" />
        <TextField
          label="Confirm new password"
          type="password"
          value={confirmation}
          onChange={setConfirmation}
          autoComplete="new-password"
        />
        <PasswordConfirmField
          label="Your current password"
          value={currentPassword}
          onChange={setCurrentPassword}
          error={currentPasswordError}
        />
        <ErrorMessage error={changePassword.error} />
        <FormActions onCancel={onClose} pending={changePassword.isPending} submitLabel="Change password" pendingLabel="Saving…" />
      </form>
    </Dialog>
  );
}
