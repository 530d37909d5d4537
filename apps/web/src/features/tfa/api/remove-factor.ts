/**
 * `DELETE /access/tfa/{userid}/{id}` with the caller's own password (PBS asks for it
 * even from an admin removing another user's factor); `recovery` removes the whole
 * set of recovery keys.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, encodePathSegment } from "../../../lib/api-client.js";
import { tfaKeys } from "./get-tfa.js";

export interface RemoveFactorInput {
  userid: string;
  id: string;
  password: string;
}

export function removeFactor(input: RemoveFactorInput): Promise<unknown> {
  return api.request<unknown>("DELETE", `/access/tfa/${encodePathSegment(input.userid)}/${encodePathSegment(input.id)}`, {
    query: { password: input.password },
  });
}

export function useRemoveFactor() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: removeFactor,
    gcTime: 0,
    onSettled: () => queryClient.invalidateQueries({ queryKey: tfaKeys.all }),
  });
}
