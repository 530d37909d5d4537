/**
 * Ends every session (ticket) of a user issued until now (`POST
 * /access/users/:userid/end-sessions`, a Gatehouse extension): a stolen or forgotten
 * browser session stops working at once. The user's API tokens are not touched.
 */
import { useMutation } from "@tanstack/react-query";
import { api, encodePathSegment } from "../../../lib/api-client.js";

export function endSessions(userid: string): Promise<unknown> {
  return api.request<unknown>("POST", `/access/users/${encodePathSegment(userid)}/end-sessions`);
}

export function useEndSessions() {
  return useMutation({ mutationFn: endSessions });
}
