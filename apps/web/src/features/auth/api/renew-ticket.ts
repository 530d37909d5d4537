/**
 * Ticket renewal: the same POST as login without a password, so the server renews
 * from the HttpOnly cookie. A ticket lives 2 hours; renewing every 15 minutes keeps
 * an open console logged in and refreshes the CSRF token that goes with it.
 */
import { useEffect } from "react";
import { api } from "../../../lib/api-client.js";
import { sessionStore } from "../../../lib/session.js";

export const TICKET_RENEWAL_INTERVAL_MS = 15 * 60_000;

interface TicketResponse {
  CSRFPreventionToken?: unknown;
}

/** Returns the fresh CSRF token. A 401 ends the session inside the api client. */
export async function renewTicket(username: string): Promise<string> {
  const response = await api.request<TicketResponse>("POST", "/access/ticket", {
    body: { username, "http-only": true },
  });
  if (typeof response.CSRFPreventionToken !== "string") throw new Error("renewal response without CSRF token");
  return response.CSRFPreventionToken;
}

async function renewIntoSession(username: string): Promise<void> {
  try {
    sessionStore.updateCsrfToken(await renewTicket(username));
  } catch {
    // A 401 has already ended the session; anything else (offline, 5xx) is retried
    // at the next tick while the ticket is still valid.
  }
}

/**
 * Renews every 15 minutes while mounted. `renewAtStart` is for a session taken over
 * from the index page after a reload: its cookie may be close to the 2-hour limit.
 */
export function useTicketRenewal(username: string, renewAtStart: boolean): void {
  useEffect(() => {
    if (renewAtStart) void renewIntoSession(username);
    const timer = window.setInterval(() => void renewIntoSession(username), TICKET_RENEWAL_INTERVAL_MS);
    return () => window.clearInterval(timer);
  }, [username, renewAtStart]);
}
