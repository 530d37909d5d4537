/**
 * Suggestions for the "user or token" field of a new ACL entry: every user and token
 * the caller may see. Always refetched when the add dialog opens, because users and
 * tokens change on other screens.
 */
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api-client.js";
import { accessKeys } from "../../../lib/query-keys.js";
import type { WireUser } from "../../../lib/wire.js";

export async function fetchAclSubjects(signal?: AbortSignal): Promise<string[]> {
  const users = await api.request<WireUser[]>("GET", "/access/users", { query: { include_tokens: 1 }, signal });
  return users
    .flatMap((user) => [user.userid, ...(user.tokens ?? []).map((token) => token.tokenid)])
    .sort((a, b) => a.localeCompare(b));
}

export function aclSubjectsQueryOptions() {
  return queryOptions({
    queryKey: [...accessKeys.users, "acl-subjects"] as const,
    queryFn: ({ signal }) => fetchAclSubjects(signal),
    staleTime: 0,
  });
}

export function useAclSubjects() {
  return useQuery(aclSubjectsQueryOptions());
}
