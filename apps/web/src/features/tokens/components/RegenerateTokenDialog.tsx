/**
 * Rotating a secret. A token that is itself disabled or expired would get a secret
 * the server refuses, so the dialog says so and offers, like GitLab's rotate, to
 * enable it and set a new expiry in the same request. A token refused because of its
 * owner gets the warning only: the owner is changed on the Users screen.
 */
import { useState, type FormEvent } from "react";
import { Button } from "../../../components/Button.js";
import { CheckboxField } from "../../../components/CheckboxField.js";
import { Dialog } from "../../../components/Dialog.js";
import { ErrorMessage } from "../../../components/ErrorMessage.js";
import { ExpireField } from "../../../components/ExpireField.js";
import { useFieldErrors } from "../../../components/use-field-errors.js";
import { resolveExpiry, type ExpiryChoice } from "../../../lib/expiry.js";
import { nowEpochSeconds } from "../../../lib/time.js";
import { validateExpiry } from "../../../lib/validation.js";
import type { TokenRow } from "../api/get-tokens.js";
import { useRegenerateToken, type RegeneratedToken } from "../api/regenerate-token.js";

export interface RegenerateTokenDialogProps {
  token: TokenRow;
  onRegenerated: (result: RegeneratedToken) => void;
  onClose: () => void;
}

export function RegenerateTokenDialog({ token, onRegenerated, onClose }: RegenerateTokenDialogProps) {
  const regenerate = useRegenerateToken();
  const isExpired = token.status === "expired";
  const isDisabled = token.status === "disabled";
  const [enableAgain, setEnableAgain] = useState(true);
  const [expire, setExpire] = useState<ExpiryChoice>({ preset: "90d", date: "" });
  const { errors, report, clear, formRef } = useFieldErrors<"expire">();

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const nowS = nowEpochSeconds();
    const expireEpoch = isExpired ? resolveExpiry(expire, nowS) : undefined;
    if (isExpired && (report({ expire: validateExpiry(expireEpoch ?? null, nowS) }) || expireEpoch === null)) return;
    regenerate.mutate(
      {
        userid: token.userid,
        tokenName: token.tokenName,
        ...(isDisabled && enableAgain ? { enable: true } : {}),
        ...(expireEpoch === undefined || expireEpoch === null ? {} : { expire: expireEpoch }),
      },
      { onSuccess: onRegenerated },
    );
  }

  return (
    <Dialog title="Regenerate secret?" onClose={onClose} tone="danger" busy={regenerate.isPending}>
      <form ref={formRef} onSubmit={handleSubmit} noValidate className="form">
        <div className="dialog__content">
          <p>
            A new secret replaces the current one of <strong>{token.tokenid}</strong>.
          </p>
          <p className="warning">Every script or service that uses the old secret loses access immediately, on every server.</p>
          {isExpired ? (
            <p className="notice" role="note">
              This token has expired: a new secret alone would be refused. Choose a new expiry below.
            </p>
          ) : null}
          {isDisabled ? (
            <p className="notice" role="note">
              This token is disabled: a new secret alone would be refused until it is enabled again.
            </p>
          ) : null}
          {token.status === "owner-disabled" || token.status === "owner-expired" ? (
            <p className="notice" role="note">
              Its user {token.userid} is {token.status === "owner-disabled" ? "disabled" : "expired"}: the new secret is refused until the
              user is changed on the Users screen.
            </p>
          ) : null}
        </div>
        {isExpired ? (
          <ExpireField
            label="New expiry"
            value={expire}
            onChange={(value) => {
              setExpire(value);
              clear("expire");
            }}
            error={errors.expire}
          />
        ) : null}
        {isDisabled ? <CheckboxField label="Enable the token again" checked={enableAgain} onChange={setEnableAgain} /> : null}
        <ErrorMessage error={regenerate.error} />
        <div className="actions">
          <Button onClick={onClose} disabled={regenerate.isPending} data-autofocus>
            Cancel
          </Button>
          <Button type="submit" variant="danger" pending={regenerate.isPending}>
            {regenerate.isPending ? "Working…" : "Regenerate secret"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
