/**
 * Password login in the HttpOnly flow: the server sets the ticket cookie, and the
 * API client keeps only the username and the CSRF token from the answer, so nothing
 * ticket-shaped lingers in the mutation state.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../../lib/api-client.js";
import { sessionStore, type Session } from "../../../lib/session.js";

export interface LoginInput {
  /** The full `name@realm`. */
  userid: string;
  password: string;
}

export function createTicket(input: LoginInput): Promise<Session> {
  return api.login(input.userid, input.password);
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
