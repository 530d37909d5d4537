import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, encodePathSegment } from "../../../lib/api-client.js";
import { accessKeys } from "../../../lib/query-keys.js";

export function deleteUser(userid: string): Promise<unknown> {
  return api.request<unknown>("DELETE", `/access/users/${encodePathSegment(userid)}`);
}

export function useDeleteUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteUser,
    onSettled: () =>
      Promise.all([
        // Also refreshes the token list: the user's tokens are gone with it.
        queryClient.invalidateQueries({ queryKey: accessKeys.users }),
        // The server removes every ACL entry naming the user or its tokens.
        queryClient.invalidateQueries({ queryKey: accessKeys.acl }),
        queryClient.invalidateQueries({ queryKey: accessKeys.permissions }),
      ]),
  });
}
