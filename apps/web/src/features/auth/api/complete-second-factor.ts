/**
 * The second step of a login (PBS's `tfa-challenge`): the partial ticket plus one
 * answer, `totp:<code>`, `recovery:<key>` or `webauthn:<assertion JSON>`. In the
 * HttpOnly flow the full ticket arrives only in the `__Host-` cookie. A refusal is a
 * 401 whatever the reason (wrong, replayed, locked out, expired), as in PBS.
 */
import type { SecondFactorRequiredError } from "@gatehouse/client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../../lib/api-client.js";
import type { Session } from "../../../lib/session.js";
import { startSession } from "./create-ticket.js";

export interface SecondFactorInput {
  required: SecondFactorRequiredError;
  /** `totp:<code>`, `recovery:<key>` or `webauthn:<json>`. */
  response: string;
}

export function completeSecondFactor(input: SecondFactorInput): Promise<Session> {
  return api.completeSecondFactor(input.required, input.response);
}

export function useCompleteSecondFactor() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: completeSecondFactor,
    // The variables hold a one-time code or a recovery key.
    gcTime: 0,
    onSuccess: (session) => startSession(queryClient, session),
  });
}
