/**
 * Logout: the server clears the cookie; the page forgets the session and every cached
 * response, whatever the server answered, so nothing protected stays on screen.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../../lib/api-client.js";
import { sessionStore } from "../../../lib/session.js";

export function deleteTicket(): Promise<void> {
  return api.logout();
}

export function useLogout() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteTicket,
    onSettled: () => {
      queryClient.clear();
      sessionStore.end(null);
    },
  });
}
