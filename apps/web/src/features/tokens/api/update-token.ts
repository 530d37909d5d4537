import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, encodePathSegment } from "../../../lib/api-client.js";
import { accessKeys } from "../../../lib/query-keys.js";

export interface UpdateTokenInput {
  userid: string;
  tokenName: string;
  enable: boolean;
  expire: number;
  /** Empty clears the comment. */
  comment: string;
}

export function updateToken(input: UpdateTokenInput): Promise<unknown> {
  const body: Record<string, unknown> = { enable: input.enable, expire: input.expire };
  const comment = input.comment.trim();
  // PBS clears a property through `delete`; an empty string would be stored as is.
  if (comment === "") body["delete"] = ["comment"];
  else body["comment"] = comment;
  return api.request<unknown>("PUT", `/access/users/${encodePathSegment(input.userid)}/token/${encodePathSegment(input.tokenName)}`, {
    body,
  });
}

export function useUpdateToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateToken,
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: accessKeys.users }),
        // A disabled or expired token has no effective privileges any more.
        queryClient.invalidateQueries({ queryKey: accessKeys.permissions }),
      ]),
  });
}
