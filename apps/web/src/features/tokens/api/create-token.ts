import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, encodePathSegment } from "../../../lib/api-client.js";
import { accessKeys } from "../../../lib/query-keys.js";

export interface CreateTokenInput {
  userid: string;
  tokenName: string;
  enable: boolean;
  /** Epoch seconds, 0 for never. */
  expire: number;
  comment: string;
}

export interface CreatedToken {
  tokenid: string;
  /** The secret: the server shows it this once and keeps only its hash. */
  value: string;
}

export function createToken(input: CreateTokenInput): Promise<CreatedToken> {
  const body: Record<string, unknown> = { enable: input.enable, expire: input.expire };
  if (input.comment.trim() !== "") body["comment"] = input.comment.trim();
  return api.request<CreatedToken>("POST", `/access/users/${encodePathSegment(input.userid)}/token/${encodePathSegment(input.tokenName)}`, {
    body,
  });
}

export function useCreateToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createToken,
    // The result holds the secret: drop it from the mutation cache as soon as the
    // dialog stops observing it.
    gcTime: 0,
    onSettled: () => queryClient.invalidateQueries({ queryKey: accessKeys.users }),
  });
}
