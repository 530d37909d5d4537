import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, encodePathSegment } from "../../../lib/api-client.js";
import { accessKeys } from "../../../lib/query-keys.js";

export interface RegenerateTokenInput {
  userid: string;
  tokenName: string;
  /** Revives a disabled token in the same request, so the new secret works at once. */
  enable?: boolean;
  /** A new expiry (epoch seconds, 0 never) for an expired token, in the same request. */
  expire?: number;
  /** Seconds the replaced secret keeps working (issue 14); 0 or absent refuses it at once. */
  grace?: number;
}

export interface RegeneratedToken {
  tokenid: string;
  /** The new secret; the old one stops working when this response arrives, or after the grace. */
  secret: string;
}

export function regenerateToken(input: RegenerateTokenInput): Promise<RegeneratedToken> {
  return api.request<RegeneratedToken>(
    "PUT",
    `/access/users/${encodePathSegment(input.userid)}/token/${encodePathSegment(input.tokenName)}`,
    {
      body: {
        regenerate: true,
        ...(input.enable === undefined ? {} : { enable: input.enable }),
        ...(input.expire === undefined ? {} : { expire: input.expire }),
        ...(input.grace === undefined || input.grace === 0 ? {} : { grace: input.grace }),
      },
    },
  );
}

export function useRegenerateToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: regenerateToken,
    gcTime: 0,
    onSettled: () => queryClient.invalidateQueries({ queryKey: accessKeys.users }),
  });
}
