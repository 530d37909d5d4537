/**
 * Registers a WebAuthn security key (or a platform authenticator): the server makes
 * the challenge, the browser talks to the key, the server checks the answer and
 * stores the credential. The password goes with both posts, as the API requires it
 * on every change.
 */
import { browserSupportsWebAuthn } from "@simplewebauthn/browser";
import { useState, type FormEvent } from "react";
import { Dialog } from "../../../components/Dialog.js";
import { ErrorMessage } from "../../../components/ErrorMessage.js";
import { FormActions } from "../../../components/FormActions.js";
import { PasswordConfirmField } from "../../../components/PasswordConfirmField.js";
import { TextField } from "../../../components/TextField.js";
import { useFieldErrors } from "../../../components/use-field-errors.js";
import { ApiError } from "../../../lib/api-error.js";
import { describeWebauthnFailure } from "../../../lib/webauthn-errors.js";
import { BrowserCeremonyError, useAddSecurityKey } from "../api/add-factor.js";
import { PASSWORD_CONFIRM_HINT, passwordFieldError, summaryError } from "../password-refusal.js";

export interface AddSecurityKeyDialogProps {
  userid: string;
  onClose: () => void;
  onAdded: () => void;
}

const SHOWN_FIELDS = ["description", "password"];

export function AddSecurityKeyDialog({ userid, onClose, onAdded }: AddSecurityKeyDialogProps) {
  const [description, setDescription] = useState("Security key");
  const [password, setPassword] = useState("");
  const { errors, report, setAndClear, formRef } = useFieldErrors<"description" | "password">();
  const addKey = useAddSecurityKey();
  const supported = browserSupportsWebAuthn();

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const invalid = report({
      description: description.trim() === "" ? "Enter a description, e.g. the key's name." : null,
      password: password === "" ? "Enter your password." : null,
    });
    if (invalid) return;
    addKey.mutate(
      { userid, description: description.trim(), password },
      {
        onSuccess: onAdded,
        onError: (error) => {
          if (error instanceof ApiError) report({ description: error.errors.description ?? null, password: passwordFieldError(error) });
        },
      },
    );
  }

  const failure = addKey.error;
  return (
    <Dialog
      title="Add security key"
      description="Register a security key or this device's authenticator as a second factor."
      onClose={onClose}
      busy={addKey.isPending}
    >
      <form ref={formRef} className="form" onSubmit={handleSubmit} noValidate>
        {supported ? null : (
          <p className="warning" role="alert">
            This browser does not support security keys (WebAuthn). Use another browser, or an authenticator app.
          </p>
        )}
        <TextField
          label="Description"
          value={description}
          onChange={setAndClear("description", setDescription)}
          maxLength={255}
          error={errors.description}
        />
        <PasswordConfirmField
          value={password}
          onChange={setAndClear("password", setPassword)}
          error={errors.password}
          hint={PASSWORD_CONFIRM_HINT}
        />
        {failure instanceof BrowserCeremonyError ? (
          <p className="error-message" role="alert">
            {describeWebauthnFailure(failure.cause)}
          </p>
        ) : (
          <ErrorMessage error={summaryError(failure, SHOWN_FIELDS)} shownFields={SHOWN_FIELDS} />
        )}
        {addKey.isPending ? (
          <p className="field__hint" role="status">
            Touch or insert your security key when the browser asks.
          </p>
        ) : null}
        <FormActions
          onCancel={onClose}
          pending={addKey.isPending}
          submitLabel="Register security key"
          pendingLabel="Waiting for the key…"
        />
      </form>
    </Dialog>
  );
}
