/**
 * Chooses between the login page and the signed-in console, and drops every cached
 * response whenever the session ends (logout or a 401), so the next user of the
 * browser sees nothing of the previous one.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { ErrorBoundary } from "../components/ErrorBoundary.js";
import { LoginPage } from "../features/auth/components/LoginPage.js";
import { useSessionState } from "../lib/session.js";
import { AppShell } from "./AppShell.js";

export function App() {
  const { session, endedMessage } = useSessionState();
  const queryClient = useQueryClient();
  const signedIn = session !== null;

  useEffect(() => {
    if (!signedIn) queryClient.clear();
  }, [signedIn, queryClient]);

  return (
    <ErrorBoundary>{session === null ? <LoginPage endedMessage={endedMessage} /> : <AppShell session={session} />}</ErrorBoundary>
  );
}
