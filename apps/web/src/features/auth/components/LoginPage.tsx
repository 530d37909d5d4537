/**
 * The login form. Every refused login shows the same sentence, so the page never
 * hints whether a user exists; the realm list comes from the unauthenticated
 * `/access/domains`.
 */
import { useState, type FormEvent } from "react";
import { Button } from "../../../components/Button.js";
import { ErrorMessage } from "../../../components/ErrorMessage.js";
import { SelectField } from "../../../components/SelectField.js";
import { TextField } from "../../../components/TextField.js";
import { ApiError } from "../../../lib/api-error.js";
import { useLogin } from "../api/create-ticket.js";
import { useDomains } from "../api/get-domains.js";

export const LOGIN_FAILED_MESSAGE = "Login failed. Check the user name, password and realm.";

const FALLBACK_REALM = "pbs";

export interface LoginPageProps {
  /** Why the previous session ended, when the server ended it. */
  endedMessage: string | null;
}

function isCredentialRefusal(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 401 || error.status === 400 || error.status === 403);
}

export function LoginPage({ endedMessage }: LoginPageProps) {
  const domains = useDomains();
  const login = useLogin();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [chosenRealm, setChosenRealm] = useState<string | null>(null);
  const [missing, setMissing] = useState<{ username?: string; password?: string }>({});

  const realmOptions = (domains.data ?? []).map((domain) => ({
    value: domain.realm,
    label: domain.comment ? `${domain.realm} (${domain.comment})` : domain.realm,
  }));
  const defaultRealm = domains.data?.find((domain) => domain.default === true)?.realm ?? domains.data?.[0]?.realm;
  const realm = chosenRealm ?? defaultRealm ?? FALLBACK_REALM;
  if (realmOptions.length === 0) realmOptions.push({ value: FALLBACK_REALM, label: FALLBACK_REALM });

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const nextMissing = {
      username: username.trim() === "" ? "Enter your user name." : undefined,
      password: password === "" ? "Enter your password." : undefined,
    };
    setMissing(nextMissing);
    if (nextMissing.username !== undefined || nextMissing.password !== undefined) return;
    login.mutate(
      { username: username.trim(), realm, password },
      { onError: () => setPassword("") },
    );
  }

  return (
    <main className="login">
      <form className="login__card" onSubmit={handleSubmit} noValidate aria-labelledby="login-title">
        <h1 id="login-title" tabIndex={-1}>
          Gatehouse
        </h1>
        <p className="login__subtitle">Sign in to the access console</p>
        {endedMessage === null || login.isPending ? null : (
          <p className="notice" role="alert">
            {endedMessage}
          </p>
        )}
        <TextField
          label="User name"
          value={username}
          onChange={setUsername}
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          error={missing.username}
          autoFocus
        />
        <TextField
          label="Password"
          type="password"
          value={password}
          onChange={setPassword}
          autoComplete="current-password"
          error={missing.password}
        />
        <SelectField label="Realm" value={realm} onChange={setChosenRealm} options={realmOptions} />
        {domains.isError ? <ErrorMessage error={domains.error} /> : null}
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
          {login.isPending ? "Logging in…" : "Log in"}
        </Button>
      </form>
    </main>
  );
}
