/**
 * Enrols an authenticator app: a secret made here, shown as a QR code and as text
 * (for typing in by hand), and saved only after a code from the app proves it holds
 * the secret. The secret is generated once per opening of the dialog.
 */
import QRCode from "qrcode";
import { useEffect, useState, type FormEvent } from "react";
import { CopyButton } from "../../../components/CopyButton.js";
import { Dialog } from "../../../components/Dialog.js";
import { ErrorMessage } from "../../../components/ErrorMessage.js";
import { FormActions } from "../../../components/FormActions.js";
import { OneTimeCodeField } from "../../../components/OneTimeCodeField.js";
import { PasswordConfirmField } from "../../../components/PasswordConfirmField.js";
import { TextField } from "../../../components/TextField.js";
import { useFieldErrors } from "../../../components/use-field-errors.js";
import { ApiError } from "../../../lib/api-error.js";
import { useAddTotp } from "../api/add-factor.js";
import { PASSWORD_CONFIRM_HINT, passwordFieldError, summaryError } from "../password-refusal.js";
import { createTotpEnrolment, groupSecret } from "../totp-enrolment.js";

export interface AddTotpDialogProps {
  userid: string;
  onClose: () => void;
  onAdded: () => void;
}

type Field = "description" | "code" | "password";

/** The server's parameter names whose reasons appear on a field (`value` is the code). */
const SHOWN_FIELDS = ["description", "value", "password"];

function ignoreEdit(): void {
  // Read-only: an input so the secret can be selected and copied.
}

export function AddTotpDialog({ userid, onClose, onAdded }: AddTotpDialogProps) {
  const [enrolment] = useState(() => createTotpEnrolment(userid));
  const [qrDataUrl, setQrDataUrl] = useState<string | null>(null);
  const [qrFailed, setQrFailed] = useState(false);
  const [description, setDescription] = useState("Authenticator app");
  const [code, setCode] = useState("");
  const [password, setPassword] = useState("");
  const { errors, report, setAndClear, formRef } = useFieldErrors<Field>();
  const addTotp = useAddTotp();

  useEffect(() => {
    let cancelled = false;
    QRCode.toDataURL(enrolment.uri, { errorCorrectionLevel: "M", margin: 2, width: 208 }).then(
      (url) => {
        if (!cancelled) setQrDataUrl(url);
      },
      () => {
        if (!cancelled) setQrFailed(true);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [enrolment.uri]);

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const trimmedCode = code.replace(/\s+/g, "");
    const invalid = report({
      description: description.trim() === "" ? "Enter a description, e.g. the app or phone it is on." : null,
      code: /^[0-9]{6}$/.test(trimmedCode) ? null : "Enter the 6-digit code the app shows for this account.",
      password: password === "" ? "Enter your password." : null,
    });
    if (invalid) return;
    addTotp.mutate(
      { userid, description: description.trim(), uri: enrolment.uri, code: trimmedCode, password },
      {
        onSuccess: onAdded,
        onError: (error) => {
          if (!(error instanceof ApiError)) return;
          report({
            description: error.errors.description ?? null,
            code: error.errors.value === undefined ? null : "The code did not match: check the app's clock and enter the current code.",
            password: passwordFieldError(error),
          });
        },
      },
    );
  }

  return (
    <Dialog
      title="Add authenticator app"
      description="Scan the QR code with an authenticator app (or type in the secret), then enter the code it shows."
      onClose={onClose}
      busy={addTotp.isPending}
    >
      <div className="tfa-enrolment">
        {qrDataUrl === null ? (
          <p className="field__hint" role="status">
            {qrFailed ? "The QR code could not be drawn; type the secret into the app instead." : "Drawing the QR code…"}
          </p>
        ) : (
          <img className="tfa-enrolment__qr" src={qrDataUrl} width={208} height={208} alt={`QR code of the TOTP secret for ${userid}`} />
        )}
        <div className="secret__row">
          <TextField
            label="Secret"
            value={groupSecret(enrolment.secret)}
            onChange={ignoreEdit}
            readOnly
            className="mono"
            autoComplete="off"
            hint="Base32, SHA-1, 6 digits, 30 seconds."
            data-testid="totp-secret"
          />
          <CopyButton value={enrolment.secret} label="Copy secret" />
        </div>
      </div>
      <form ref={formRef} className="form" onSubmit={handleSubmit} noValidate>
        <TextField
          label="Description"
          value={description}
          onChange={setAndClear("description", setDescription)}
          maxLength={255}
          error={errors.description}
        />
        <OneTimeCodeField
          label="Code from the app"
          value={code}
          onChange={setAndClear("code", setCode)}
          error={errors.code}
          data-autofocus
        />
        <PasswordConfirmField
          value={password}
          onChange={setAndClear("password", setPassword)}
          error={errors.password}
          hint={PASSWORD_CONFIRM_HINT}
        />
        <ErrorMessage error={summaryError(addTotp.error, SHOWN_FIELDS)} shownFields={SHOWN_FIELDS} />
        <FormActions onCancel={onClose} pending={addTotp.isPending} submitLabel="Add authenticator app" pendingLabel="Verifying…" />
      </form>
    </Dialog>
  );
}
