/**
 * Password login in the HttpOnly flow: the server sets the ticket cookie, and the
 * API client keeps only the username and the CSRF token from the answer, so nothing
 * ticket-shaped lingers in the mutation state. A user with second factors gets a
 * partial ticket instead (PBS's `!tfa!` ticket, decision 026): the outcome then says
 * so, and the login form asks for the second factor (complete-second-factor.ts).
 */
import { SecondFactorRequiredError } from "@gatehouse/client";
import { useMutation, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { api } from "../../../lib/api-client.js";
import { sessionStore, type Session } from "../../../lib/session.js";

export interface LoginInput {
  /** The full `name@realm`. */
  userid: string;
  password: string;
}

export type LoginOutcome =
  | { kind: "signed-in"; session: Session }
  /** The password was right; the partial ticket and its challenge await the second step. */
  | { kind: "second-factor"; required: SecondFactorRequiredError };

export async function createTicket(input: LoginInput): Promise<LoginOutcome> {
  try {
    return { kind: "signed-in", session: await api.login(input.userid, input.password) };
  } catch (error) {
    if (error instanceof SecondFactorRequiredError) return { kind: "second-factor", required: error };
    throw error;
  }
}

/** Hands a fresh session to the console, after the password or after the second factor. */
export function startSession(queryClient: QueryClient, session: Session): void {
  const previous = sessionStore.getState().session;
  sessionStore.start(session);
  // The same user logging in again after an interruption keeps the screen and
  // refetches it; anyone else must not see a byte of the previous user's data.
  if (previous?.username === session.username) void queryClient.invalidateQueries();
  else queryClient.clear();
}

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createTicket,
    // The password is in the variables; do not keep the settled mutation around.
    gcTime: 0,
    onSuccess: (outcome) => {
      if (outcome.kind === "signed-in") startSession(queryClient, outcome.session);
    },
  });
}
