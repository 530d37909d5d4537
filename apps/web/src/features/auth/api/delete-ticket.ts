/**
 * Logout: the server clears the cookie; the page forgets the session and every cached
 * response, whatever the server answered, so nothing protected stays on screen.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../../lib/api-client.js";
import { sessionStore } from "../../../lib/session.js";

export function deleteTicket(): Promise<unknown> {
  return api.request<unknown>("DELETE", "/access/ticket", { endsSessionOn401: false });
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
