/**
 * Generates the ten recovery keys (PBS's format) after the password, then shows them
 * the one time the server hands them out. Each key logs in once, in place of a code
 * or security key, and also lifts a TOTP lock. The keys live only in this dialog's
 * state; closing it forgets them.
 */
import { useState, type FormEvent } from "react";
import { Button } from "../../../components/Button.js";
import { CopyButton } from "../../../components/CopyButton.js";
import { Dialog } from "../../../components/Dialog.js";
import { ErrorMessage } from "../../../components/ErrorMessage.js";
import { FormActions } from "../../../components/FormActions.js";
import { PasswordConfirmField } from "../../../components/PasswordConfirmField.js";
import { useFieldErrors } from "../../../components/use-field-errors.js";
import { useAddRecoveryKeys } from "../api/add-factor.js";
import { PASSWORD_CONFIRM_HINT, passwordFieldError, summaryError } from "../password-refusal.js";

export interface AddRecoveryKeysDialogProps {
  userid: string;
  onClose: () => void;
}

export function AddRecoveryKeysDialog({ userid, onClose }: AddRecoveryKeysDialogProps) {
  const [password, setPassword] = useState("");
  const [keys, setKeys] = useState<string[] | null>(null);
  const { errors, report, setAndClear, formRef } = useFieldErrors<"password">();
  const addKeys = useAddRecoveryKeys();

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (report({ password: password === "" ? "Enter your password." : null })) return;
    addKeys.mutate(
      { userid, password },
      {
        onSuccess: (created) => {
          setPassword("");
          setKeys(created);
        },
        onError: (error) => report({ password: passwordFieldError(error) }),
      },
    );
  }

  if (keys !== null) {
    return (
      <Dialog title="Your recovery keys" description="Save these keys now: they are shown only once." onClose={onClose}>
        <ol className="tfa-recovery-keys mono" aria-label="Recovery keys">
          {keys.map((key) => (
            <li key={key}>{key}</li>
          ))}
        </ol>
        <p className="dialog__hint">
          Each key logs in once when your authenticator app or security key is not at hand, and lifts a lock of the app after too many wrong
          codes. The Two-factor screen shows how many are left.
        </p>
        <div className="actions">
          <CopyButton value={keys.join("\n")} label="Copy all keys" />
          <Button variant="primary" onClick={onClose} data-autofocus>
            I have saved the keys
          </Button>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog
      title="Generate recovery keys"
      description={`Ten single-use keys for ${userid}, to log in when no other second factor is at hand.`}
      onClose={onClose}
      busy={addKeys.isPending}
    >
      <form ref={formRef} className="form" onSubmit={handleSubmit} noValidate>
        <PasswordConfirmField
          value={password}
          onChange={setAndClear("password", setPassword)}
          error={errors.password}
          hint={PASSWORD_CONFIRM_HINT}
        />
        <ErrorMessage error={summaryError(addKeys.error, ["password"])} shownFields={["password"]} />
        <FormActions onCancel={onClose} pending={addKeys.isPending} submitLabel="Generate recovery keys" pendingLabel="Generating…" />
      </form>
    </Dialog>
  );
}
