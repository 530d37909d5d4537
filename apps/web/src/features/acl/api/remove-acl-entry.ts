import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../../lib/api-client.js";
import { accessKeys } from "../../../lib/query-keys.js";
import { aclQueryOptions } from "./get-acl.js";

export interface RemoveAclEntryInput {
  path: string;
  role: string;
  authId: string;
}

export function removeAclEntry(input: RemoveAclEntryInput): Promise<unknown> {
  return api.request<unknown>("PUT", "/access/acl", {
    body: { path: input.path, role: input.role, "auth-id": input.authId, delete: true },
  });
}

export function useRemoveAclEntry() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: removeAclEntry,
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: aclQueryOptions().queryKey }),
        queryClient.invalidateQueries({ queryKey: accessKeys.permissions }),
      ]),
  });
}
