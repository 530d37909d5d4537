import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, encodePathSegment } from "../../../lib/api-client.js";
import { accessKeys } from "../../../lib/query-keys.js";

export interface DeleteTokenInput {
  userid: string;
  tokenName: string;
}

export function deleteToken(input: DeleteTokenInput): Promise<unknown> {
  return api.request<unknown>("DELETE", `/access/users/${encodePathSegment(input.userid)}/token/${encodePathSegment(input.tokenName)}`);
}

export function useDeleteToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteToken,
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: accessKeys.users }),
        // The server removes the token's ACL entries with it.
        queryClient.invalidateQueries({ queryKey: accessKeys.acl }),
        queryClient.invalidateQueries({ queryKey: accessKeys.permissions }),
      ]),
  });
}
