import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../../lib/api-client.js";
import { accessKeys } from "../../../lib/query-keys.js";
import type { RoleId } from "../../../lib/wire.js";
import { aclQueryOptions } from "./get-acl.js";

export interface AddAclEntryInput {
  path: string;
  /** A role id from GET /access/roles. */
  role: RoleId;
  authId: string;
  propagate: boolean;
}

export function addAclEntry(input: AddAclEntryInput): Promise<unknown> {
  return api.request<unknown>("PUT", "/access/acl", {
    body: { path: input.path, role: input.role, "auth-id": input.authId, propagate: input.propagate },
  });
}

export function useAddAclEntry() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: addAclEntry,
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: aclQueryOptions().queryKey }),
        // Effective privileges (shown on the token screen) follow the ACL.
        queryClient.invalidateQueries({ queryKey: accessKeys.permissions }),
      ]),
  });
}
