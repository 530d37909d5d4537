/**
 * Ticket renewal while the console is open: the API client posts to /access/ticket
 * without a password, so the server renews from the HttpOnly cookie, and keeps the
 * fresh CSRF token. The client also renews on its own before a call once the ticket
 * is an hour old; this timer keeps an idle console logged in as well.
 */
import { useEffect } from "react";
import { api } from "../../../lib/api-client.js";

export const TICKET_RENEWAL_INTERVAL_MS = 15 * 60_000;

async function renewQuietly(): Promise<void> {
  try {
    await api.renew();
  } catch {
    // A 401 has already interrupted the session inside the api client; anything else
    // (offline, 5xx) is retried at the next tick while the ticket is still valid.
  }
}

/** Renews every 15 minutes while mounted. */
export function useTicketRenewal(username: string): void {
  useEffect(() => {
    const timer = window.setInterval(() => void renewQuietly(), TICKET_RENEWAL_INTERVAL_MS);
    return () => window.clearInterval(timer);
  }, [username]);
}
