/**
 * Removes one second factor (or the whole set of recovery keys) after the caller's
 * own password, for the caller's account or, with Permissions.Modify, another's.
 */
import { useState, type FormEvent } from "react";
import { Dialog } from "../../../components/Dialog.js";
import { ErrorMessage } from "../../../components/ErrorMessage.js";
import { FormActions } from "../../../components/FormActions.js";
import { PasswordConfirmField } from "../../../components/PasswordConfirmField.js";
import { useFieldErrors } from "../../../components/use-field-errors.js";
import { useSessionState } from "../../../lib/session.js";
import type { FactorRow } from "../api/get-tfa.js";
import { useRemoveFactor } from "../api/remove-factor.js";
import { factorName } from "../factor-labels.js";
import { PASSWORD_CONFIRM_HINT, passwordFieldError, summaryError } from "../password-refusal.js";

export interface RemoveFactorDialogProps {
  userid: string;
  factor: FactorRow;
  onClose: () => void;
  onRemoved: () => void;
}

export function RemoveFactorDialog({ userid, factor, onClose, onRemoved }: RemoveFactorDialogProps) {
  const [password, setPassword] = useState("");
  const { errors, report, setAndClear, formRef } = useFieldErrors<"password">();
  const remove = useRemoveFactor();
  const isSelf = useSessionState().session?.username === userid;

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (report({ password: password === "" ? "Enter your password." : null })) return;
    remove.mutate(
      { userid, id: factor.id, password },
      { onSuccess: onRemoved, onError: (error) => report({ password: passwordFieldError(error) }) },
    );
  }

  return (
    <Dialog title={`Remove ${factorName(factor)}?`} onClose={onClose} tone="danger" busy={remove.isPending}>
      <form ref={formRef} className="form" onSubmit={handleSubmit} noValidate>
        <p>
          {factor.type === "recovery"
            ? `Every remaining recovery key of ${userid} stops working.`
            : `${userid} can no longer log in with this ${factor.type === "totp" ? "authenticator app" : "security key"}.`}
          {isSelf ? "" : " The user is not told."}
        </p>
        <PasswordConfirmField
          value={password}
          onChange={setAndClear("password", setPassword)}
          error={errors.password}
          hint={PASSWORD_CONFIRM_HINT}
        />
        <ErrorMessage error={summaryError(remove.error, ["password"])} shownFields={["password"]} />
        <FormActions onCancel={onClose} pending={remove.isPending} submitLabel="Remove" pendingLabel="Removing…" variant="danger" />
      </form>
    </Dialog>
  );
}
