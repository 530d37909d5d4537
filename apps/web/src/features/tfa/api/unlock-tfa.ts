/**
 * `PUT /access/users/{userid}/unlock-tfa`: clears a user's TOTP lock (8 wrong codes)
 * and the hour-long lockout of every factor (100 failures). The answer says whether
 * anything was locked.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, encodePathSegment } from "../../../lib/api-client.js";
import { tfaKeys } from "./get-tfa.js";

export function unlockTfa(userid: string): Promise<boolean> {
  return api.request<boolean>("PUT", `/access/users/${encodePathSegment(userid)}/unlock-tfa`);
}

export function useUnlockTfa() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: unlockTfa,
    onSettled: () => queryClient.invalidateQueries({ queryKey: tfaKeys.all }),
  });
}
