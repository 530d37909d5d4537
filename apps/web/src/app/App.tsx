/**
 * Chooses between the login page and the signed-in console, and drops every cached
 * response whenever the session ends (logout), so the next user of the browser sees
 * nothing of the previous one. A session the server ended mid-work (a 401) keeps the
 * console mounted under a re-login dialog, so no typed form is lost.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { ErrorBoundary } from "../components/ErrorBoundary.js";
import { LoginPage } from "../features/auth/components/LoginPage.js";
import { ReloginDialog } from "../features/auth/components/ReloginDialog.js";
import { useSessionState } from "../lib/session.js";
import { AppShell } from "./AppShell.js";

export function App() {
  const { session, endedMessage, interrupted } = useSessionState();
  const queryClient = useQueryClient();
  const signedIn = session !== null;

  useEffect(() => {
    if (!signedIn) queryClient.clear();
  }, [signedIn, queryClient]);

  return (
    <ErrorBoundary>
      {session === null ? (
        <LoginPage endedMessage={endedMessage} />
      ) : (
        <>
          <AppShell session={session} />
          {interrupted ? <ReloginDialog username={session.username} /> : null}
        </>
      )}
    </ErrorBoundary>
  );
}
