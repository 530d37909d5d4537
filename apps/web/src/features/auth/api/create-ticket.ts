/**
 * Password login in the HttpOnly flow: the server sets the ticket cookie, and the
 * body carries only the username and the CSRF token. Only those two fields are kept
 * from the response, so nothing ticket-shaped lingers in the mutation state even if a
 * server answered in the legacy format.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../../lib/api-client.js";
import { sessionStore, type Session } from "../../../lib/session.js";

export interface LoginInput {
  /** The full `name@realm`. */
  userid: string;
  password: string;
}

interface TicketResponse {
  username?: unknown;
  CSRFPreventionToken?: unknown;
}

export async function createTicket(input: LoginInput): Promise<Session> {
  const response = await api.request<TicketResponse>("POST", "/access/ticket", {
    body: { username: input.userid, password: input.password, "http-only": true },
    endsSessionOn401: false,
  });
  const { username, CSRFPreventionToken } = response;
  if (typeof username !== "string" || typeof CSRFPreventionToken !== "string") {
    throw new Error("login response without username or CSRF token");
  }
  return { username, csrfToken: CSRFPreventionToken };
}

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createTicket,
    // The password is in the variables; do not keep the settled mutation around.
    gcTime: 0,
    onSuccess: (session) => {
      const previous = sessionStore.getState().session;
      sessionStore.start(session);
      // The same user logging in again after an interruption keeps the screen and
      // refetches it; anyone else must not see a byte of the previous user's data.
      if (previous?.username === session.username) void queryClient.invalidateQueries();
      else queryClient.clear();
    },
  });
}
