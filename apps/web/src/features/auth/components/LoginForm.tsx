/**
 * The credentials form, shared by the login page and the re-login dialog that opens
 * when a session ends mid-work. Every refused login shows the same sentence, so the
 * form never hints whether a user exists. A refusal keeps the user name and moves
 * focus to the password, selected, so retyping it replaces it. `user@realm` typed in
 * the user field works; the realm choice appears only when there is more than one.
 * A user with second factors then answers the second step in the same place
 * (SecondFactorForm), so the re-login dialog gets it too.
 */
import type { SecondFactorRequiredError } from "@gatehouse/client";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { Button } from "../../../components/Button.js";
import { ErrorMessage } from "../../../components/ErrorMessage.js";
import { SelectField } from "../../../components/SelectField.js";
import { TextField } from "../../../components/TextField.js";
import { useFieldErrors } from "../../../components/use-field-errors.js";
import { ApiError } from "../../../lib/api-error.js";
import { useLogin } from "../api/create-ticket.js";
import { useDomains } from "../api/get-domains.js";
import { composeLoginUserid } from "../login-name.js";
import { SecondFactorForm } from "./SecondFactorForm.js";

export const LOGIN_FAILED_MESSAGE = "Login failed. Check the user name, password and realm.";

const FALLBACK_REALM = "pbs";

function isCredentialRefusal(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 401 || error.status === 400 || error.status === 403);
}

export interface LoginFormProps {
  initialUsername?: string;
  /** The re-login dialog fixes the user: a different one must not inherit the open form. */
  lockUsername?: boolean;
  submitLabel?: string;
  autoFocusField?: "username" | "password";
}

export function LoginForm({
  initialUsername = "",
  lockUsername = false,
  submitLabel = "Log in",
  autoFocusField = "username",
}: LoginFormProps) {
  const domains = useDomains();
  const login = useLogin();
  const [username, setUsername] = useState(initialUsername);
  const [password, setPassword] = useState("");
  const [chosenRealm, setChosenRealm] = useState<string | null>(null);
  const { errors, report, clear, formRef } = useFieldErrors<"username" | "password">();
  const passwordRef = useRef<HTMLInputElement>(null);
  // Bumped to put focus back on the password: after a refusal, and back from the second step.
  const [passwordFocusRequests, setPasswordFocusRequests] = useState(0);
  const [secondStep, setSecondStep] = useState<SecondFactorRequiredError | null>(null);

  useEffect(() => {
    if (passwordFocusRequests === 0) return;
    passwordRef.current?.focus();
    passwordRef.current?.select();
  }, [passwordFocusRequests]);

  const realms = (domains.data ?? []).map((domain) => domain.realm);
  const defaultRealm = domains.data?.find((domain) => domain.default === true)?.realm ?? realms[0] ?? FALLBACK_REALM;
  const realm = chosenRealm ?? defaultRealm;
  const showRealmChoice = (domains.data?.length ?? 0) > 1;

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const invalid = report({
      username: username.trim() === "" ? "Enter your user name." : null,
      password: password === "" ? "Enter your password." : null,
    });
    if (invalid) return;
    const knownRealms = realms.length > 0 ? realms : [FALLBACK_REALM];
    login.mutate(
      { userid: composeLoginUserid(username, realm, knownRealms), password },
      {
        onError: () => setPasswordFocusRequests((count) => count + 1),
        onSuccess: (outcome) => {
          if (outcome.kind !== "second-factor") return;
          // The password has done its part; the partial ticket carries the login on.
          setPassword("");
          setSecondStep(outcome.required);
        },
      },
    );
  }

  if (secondStep !== null) {
    return (
      <SecondFactorForm
        required={secondStep}
        onCancel={() => {
          setSecondStep(null);
          login.reset();
          setPasswordFocusRequests((count) => count + 1);
        }}
      />
    );
  }

  return (
    <form ref={formRef} className="form" onSubmit={handleSubmit} noValidate>
      <TextField
        label="User name"
        value={username}
        onChange={(value) => {
          setUsername(value);
          clear("username");
          login.reset();
        }}
        autoComplete="username"
        autoCapitalize="none"
        spellCheck={false}
        error={errors.username}
        readOnly={lockUsername}
        hint={showRealmChoice ? undefined : "For example alice or alice@pbs."}
        autoFocus={autoFocusField === "username"}
      />
      <TextField
        ref={passwordRef}
        label="Password"
        type="password"
        value={password}
        onChange={(value) => {
          setPassword(value);
          clear("password");
          login.reset();
        }}
        autoComplete="current-password"
        error={errors.password}
        // Inside a dialog, Dialog focuses the element marked data-autofocus.
        {...(autoFocusField === "password" ? { "data-autofocus": true } : {})}
      />
      {showRealmChoice ? (
        <SelectField
          label="Realm"
          value={realm}
          onChange={setChosenRealm}
          options={(domains.data ?? []).map((domain) => ({
            value: domain.realm,
            label: domain.comment ? `${domain.realm} (${domain.comment})` : domain.realm,
          }))}
          hint="A realm typed after @ in the user name wins."
        />
      ) : null}
      {domains.isError ? <ErrorMessage error={domains.error} onRetry={() => void domains.refetch()} /> : null}
      {login.isError ? (
        isCredentialRefusal(login.error) ? (
          <p className="error-message" role="alert">
            {LOGIN_FAILED_MESSAGE}
          </p>
        ) : (
          <ErrorMessage error={login.error} />
        )
      ) : null}
      <Button type="submit" variant="primary" pending={login.isPending} className="login__submit">
        {login.isPending ? "Logging in…" : submitLabel}
      </Button>
    </form>
  );
}
