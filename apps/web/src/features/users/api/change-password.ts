import { useMutation } from "@tanstack/react-query";
import { api } from "../../../lib/api-client.js";

export interface ChangePasswordInput {
  userid: string;
  password: string;
  /** The logged-in user's own current password, which PBS's API requires. */
  confirmationPassword: string;
}

export function changePassword(input: ChangePasswordInput): Promise<unknown> {
  return api.request<unknown>("PUT", "/access/password", {
    body: { userid: input.userid, password: input.password, "confirmation-password": input.confirmationPassword },
  });
}

/** Nothing a query shows changes with a password, so there is nothing to invalidate. */
export function useChangePassword() {
  return useMutation({
    mutationFn: changePassword,
    // The variables carry the new password.
    gcTime: 0,
  });
}
