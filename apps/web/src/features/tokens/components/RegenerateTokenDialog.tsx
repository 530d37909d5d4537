/**
 * Rotating a secret. A token that is itself disabled or expired would get a secret
 * the server refuses, so the dialog says so and offers, like GitLab's rotate, to
 * enable it and set a new expiry in the same request. A token refused because of its
 * owner gets the warning only: the owner is changed on the Users screen.
 *
 * Issue 14: the old secret may keep working for 1 or 24 hours (the server's `grace`),
 * so the runners that hold it can be moved over without an outage.
 */
import { useId, useState, type FormEvent } from "react";
import { CheckboxField } from "../../../components/CheckboxField.js";
import { Dialog } from "../../../components/Dialog.js";
import { FormActions } from "../../../components/FormActions.js";
import { ErrorMessage } from "../../../components/ErrorMessage.js";
import { ExpireField } from "../../../components/ExpireField.js";
import { useFieldErrors } from "../../../components/use-field-errors.js";
import { resolveExpiry, type ExpiryChoice } from "../../../lib/expiry.js";
import { nowEpochSeconds } from "../../../lib/time.js";
import { validateExpiry } from "../../../lib/validation.js";
import type { TokenRow } from "../api/get-tokens.js";
import { useRegenerateToken, type RegeneratedToken } from "../api/regenerate-token.js";

/** How long the replaced secret keeps working, in seconds; the choices the issue asks for. */
export const ROTATION_OVERLAPS = [
  { graceS: 0, label: "Rotate now: the old secret stops working at once" },
  { graceS: 3_600, label: "Keep the old secret working for 1 hour" },
  { graceS: 86_400, label: "Keep the old secret working for 24 hours" },
] as const;

export interface RegenerateTokenDialogProps {
  token: TokenRow;
  /** `oldSecretUntil`: epoch seconds the replaced secret works until, or null when it stopped at once. */
  onRegenerated: (result: RegeneratedToken, oldSecretUntil: number | null) => void;
  onClose: () => void;
}

export function RegenerateTokenDialog({ token, onRegenerated, onClose }: RegenerateTokenDialogProps) {
  const regenerate = useRegenerateToken();
  const isExpired = token.status === "expired";
  const isDisabled = token.status === "disabled";
  const [enableAgain, setEnableAgain] = useState(true);
  const [expire, setExpire] = useState<ExpiryChoice>({ preset: "90d", date: "" });
  const [graceS, setGraceS] = useState<number>(0);
  const overlapName = useId();
  const { errors, report, setAndClear, formRef } = useFieldErrors<"expire">();

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
        grace: graceS,
      },
      // The server's deadline is its own clock plus the grace; this is the console's estimate for the message.
      { onSuccess: (result) => onRegenerated(result, graceS === 0 ? null : nowS + graceS) },
    );
  }

  return (
    <Dialog title="Regenerate secret?" onClose={onClose} tone="danger" busy={regenerate.isPending}>
      <form ref={formRef} onSubmit={handleSubmit} noValidate className="form">
        <div className="dialog__content">
          <p>
            A new secret replaces the current one of <strong>{token.tokenid}</strong>.
          </p>
          {graceS === 0 ? (
            <p className="warning">Every script or service that uses the old secret loses access immediately, on every server.</p>
          ) : (
            <p className="notice" role="note">
              Both secrets work until the overlap ends; then the old one is refused everywhere. A second rotation, a disable or a delete
              ends the overlap at once.
            </p>
          )}
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
          <ExpireField label="New expiry" value={expire} onChange={setAndClear("expire", setExpire)} error={errors.expire} />
        ) : null}
        {isDisabled ? <CheckboxField label="Enable the token again" checked={enableAgain} onChange={setEnableAgain} /> : null}
        <fieldset className="choice-group">
          <legend>When the old secret stops working</legend>
          {ROTATION_OVERLAPS.map((choice) => (
            <label key={choice.graceS}>
              <input
                type="radio"
                name={overlapName}
                value={choice.graceS}
                checked={graceS === choice.graceS}
                onChange={() => setGraceS(choice.graceS)}
              />
              {choice.label}
            </label>
          ))}
        </fieldset>
        <ErrorMessage error={regenerate.error} />
        <FormActions
          onCancel={onClose}
          pending={regenerate.isPending}
          submitLabel="Regenerate secret"
          pendingLabel="Working…"
          variant="danger"
          focusCancel
        />
      </form>
    </Dialog>
  );
}
