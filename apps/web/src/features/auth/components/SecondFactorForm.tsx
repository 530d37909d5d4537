/**
 * The second step of a login, shown when the password was right and the server
 * answered with a partial ticket (decision 026). It offers every kind the challenge
 * names: a security key (WebAuthn), an authenticator code (TOTP), a recovery key.
 * A refusal is the same 401 whatever the cause, so the message lists the likely
 * ones (a used code, a lockout, a stale page) without pretending to know which.
 * The security key's login challenge is single-use on the server: after the server
 * refused one assertion, only a new login can try the key again.
 */
import { browserSupportsWebAuthn, startAuthentication } from "@simplewebauthn/browser";
import type { SecondFactorRequiredError } from "@gatehouse/client";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { Button } from "../../../components/Button.js";
import { ErrorMessage } from "../../../components/ErrorMessage.js";
import { OneTimeCodeField } from "../../../components/OneTimeCodeField.js";
import { TextField } from "../../../components/TextField.js";
import { useFieldErrors } from "../../../components/use-field-errors.js";
import { ApiError } from "../../../lib/api-error.js";
import { describeWebauthnFailure } from "../../../lib/webauthn-errors.js";
import { useCompleteSecondFactor } from "../api/complete-second-factor.js";

export type FactorKind = "webauthn" | "totp" | "recovery";

const KIND_LABELS: Record<FactorKind, string> = {
  webauthn: "Security key",
  totp: "Authenticator app code",
  recovery: "Recovery key",
};

export const SECOND_FACTOR_REFUSED_MESSAGE = "The second factor was not accepted.";

const REFUSAL_HINTS: Record<FactorKind, string> = {
  totp: "Check the code and try again. Each code works once; after 8 wrong codes the authenticator app is locked until you use a recovery key or an administrator unlocks it.",
  recovery: "Check the key and try again. Each recovery key works once.",
  webauthn: "This login's security key challenge is now used up: go back and log in again to try the key once more, or use another factor.",
};

/** The kinds the challenge offers, the security key first (nothing to type), as PBS's login window. */
export function offeredKinds(challenge: SecondFactorRequiredError["challenge"]): FactorKind[] {
  const kinds: FactorKind[] = [];
  if (challenge.webauthn !== undefined) kinds.push("webauthn");
  if (challenge.totp === true) kinds.push("totp");
  if (challenge.recovery !== undefined && challenge.recovery.length > 0) kinds.push("recovery");
  return kinds;
}

export interface SecondFactorFormProps {
  required: SecondFactorRequiredError;
  /** Back to the password step. */
  onCancel: () => void;
}

export function SecondFactorForm({ required, onCancel }: SecondFactorFormProps) {
  const complete = useCompleteSecondFactor();
  const kinds = offeredKinds(required.challenge);
  const [kind, setKind] = useState<FactorKind | undefined>(kinds[0]);
  const [code, setCode] = useState("");
  const [recoveryKey, setRecoveryKey] = useState("");
  const [webauthnSpent, setWebauthnSpent] = useState(false);
  const [webauthnBusy, setWebauthnBusy] = useState(false);
  const [browserFailure, setBrowserFailure] = useState<string | null>(null);
  const [refusedKind, setRefusedKind] = useState<FactorKind | null>(null);
  const { errors, report, setAndClear, formRef } = useFieldErrors<"code" | "recovery">();
  const webauthnButtonRef = useRef<HTMLButtonElement>(null);
  const headingId = useId();
  const recoveryLeft = required.challenge.recovery?.length ?? 0;

  useEffect(() => {
    if (kind === "webauthn") webauthnButtonRef.current?.focus();
  }, [kind]);

  function choose(next: FactorKind) {
    setKind(next);
    setRefusedKind(null);
    setBrowserFailure(null);
    complete.reset();
  }

  function send(answerKind: FactorKind, response: string) {
    setRefusedKind(null);
    complete.mutate(
      { required, response },
      {
        onError: (error) => {
          if (!(error instanceof ApiError) || error.status !== 401) return;
          setRefusedKind(answerKind);
          if (answerKind === "webauthn") setWebauthnSpent(true);
          // The refused field is marked and focused, with the reason read out.
          if (answerKind === "totp") report({ code: "This code was not accepted." });
          if (answerKind === "recovery") report({ recovery: "This recovery key was not accepted." });
        },
      },
    );
  }

  async function answerWithSecurityKey() {
    const publicKey = required.challenge.webauthn?.publicKey;
    if (publicKey === undefined) return;
    setBrowserFailure(null);
    setWebauthnBusy(true);
    try {
      const assertion = await startAuthentication({ optionsJSON: publicKey });
      send("webauthn", `webauthn:${JSON.stringify(assertion)}`);
    } catch (error) {
      // The browser's side failed (cancelled, timed out): the server's challenge is untouched.
      setBrowserFailure(describeWebauthnFailure(error));
    } finally {
      setWebauthnBusy(false);
    }
  }

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (kind === "webauthn") {
      void answerWithSecurityKey();
      return;
    }
    if (kind === "totp") {
      const trimmed = code.replace(/\s+/g, "");
      if (report({ code: /^[0-9]{6,8}$/.test(trimmed) ? null : "Enter the 6-digit code your authenticator app shows." })) return;
      send("totp", `totp:${trimmed}`);
      return;
    }
    if (kind === "recovery") {
      const trimmed = recoveryKey.trim();
      if (report({ recovery: trimmed === "" ? "Enter one of your recovery keys." : null })) return;
      send("recovery", `recovery:${trimmed}`);
    }
  }

  const pending = complete.isPending || webauthnBusy;
  const unexpectedError =
    complete.isError && !(complete.error instanceof ApiError && complete.error.status === 401) ? complete.error : null;

  return (
    <form ref={formRef} className="form" onSubmit={handleSubmit} noValidate aria-labelledby={headingId}>
      <h2 id={headingId}>Second factor</h2>
      <p className="field__hint">
        The password of <strong>{required.username}</strong> was right. Confirm it is you with a second factor.
      </p>
      {kinds.length === 0 ? (
        <p className="error-message" role="alert">
          This account has no second factor left to log in with (no recovery keys remain). Ask an administrator.
        </p>
      ) : null}
      {kinds.length > 1 ? (
        <fieldset className="field-group">
          <legend>Verify with</legend>
          {kinds.map((option) => (
            <div key={option} className="field field--checkbox">
              <input
                id={`${headingId}-${option}`}
                type="radio"
                name={`${headingId}-kind`}
                value={option}
                checked={kind === option}
                onChange={() => choose(option)}
              />
              <label htmlFor={`${headingId}-${option}`}>{KIND_LABELS[option]}</label>
            </div>
          ))}
        </fieldset>
      ) : null}
      {kind === "totp" ? (
        <OneTimeCodeField
          label="Authentication code"
          value={code}
          onChange={setAndClear("code", setCode)}
          autoFocus
          hint="The 6-digit code your authenticator app shows now."
          error={errors.code}
        />
      ) : null}
      {kind === "recovery" ? (
        <TextField
          label="Recovery key"
          value={recoveryKey}
          onChange={setAndClear("recovery", setRecoveryKey)}
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          autoFocus
          className="mono"
          hint={`${recoveryLeft} recovery ${recoveryLeft === 1 ? "key" : "keys"} left. Each works once.`}
          error={errors.recovery}
        />
      ) : null}
      {kind === "webauthn" ? (
        <p className="field__hint">
          {browserSupportsWebAuthn()
            ? "Select the button, then touch or insert your security key when the browser asks."
            : "This browser does not support security keys; choose another factor."}
        </p>
      ) : null}
      {refusedKind !== null ? (
        <div className="error-message" role="alert">
          <p>
            {SECOND_FACTOR_REFUSED_MESSAGE} {REFUSAL_HINTS[refusedKind]} A login page left open for more than 10 minutes must start again.
          </p>
        </div>
      ) : null}
      {browserFailure === null ? null : (
        <p className="error-message" role="alert">
          {browserFailure}
        </p>
      )}
      <ErrorMessage error={unexpectedError} />
      <div className="actions">
        <Button onClick={onCancel} disabled={complete.isPending}>
          Back
        </Button>
        {kind === undefined ? null : (
          <Button
            ref={kind === "webauthn" ? webauthnButtonRef : undefined}
            type="submit"
            variant="primary"
            pending={pending}
            disabledReason={kind === "webauthn" && webauthnSpent ? REFUSAL_HINTS.webauthn : null}
          >
            {pending ? "Verifying…" : kind === "webauthn" ? "Use security key" : "Verify"}
          </Button>
        )}
      </div>
    </form>
  );
}
