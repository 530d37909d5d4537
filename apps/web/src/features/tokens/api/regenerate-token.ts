import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, encodePathSegment } from "../../../lib/api-client.js";
import { tokensQueryOptions } from "./get-tokens.js";

export interface RegenerateTokenInput {
  userid: string;
  tokenName: string;
}

export interface RegeneratedToken {
  tokenid: string;
  /** The new secret; the old one stops working when this response arrives. */
  secret: string;
}

export function regenerateToken(input: RegenerateTokenInput): Promise<RegeneratedToken> {
  return api.request<RegeneratedToken>(
    "PUT",
    `/access/users/${encodePathSegment(input.userid)}/token/${encodePathSegment(input.tokenName)}`,
    { body: { regenerate: true } },
  );
}

export function useRegenerateToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: regenerateToken,
    gcTime: 0,
    onSettled: () => queryClient.invalidateQueries({ queryKey: tokensQueryOptions().queryKey }),
  });
}
