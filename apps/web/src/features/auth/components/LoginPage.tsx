/**
 * The login screen of a browser without a session; the realm list comes from the
 * unauthenticated `/access/domains`.
 */
import { LoginForm } from "./LoginForm.js";

export { LOGIN_FAILED_MESSAGE } from "./LoginForm.js";

export interface LoginPageProps {
  /** Why the previous session ended, when the server ended it. */
  endedMessage: string | null;
}

export function LoginPage({ endedMessage }: LoginPageProps) {
  return (
    <main className="login">
      <div className="login__card">
        <h1 id="login-title" tabIndex={-1}>
          Gatehouse
        </h1>
        <p className="login__subtitle">Sign in to the access console</p>
        {endedMessage === null ? null : (
          <p className="notice" role="alert">
            {endedMessage}
          </p>
        )}
        <LoginForm />
      </div>
    </main>
  );
}
