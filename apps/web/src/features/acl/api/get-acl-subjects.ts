/**
 * Suggestions for the "user or token" field of a new ACL entry: the first users and
 * tokens whose id matches what was typed, asked of the server page by page, so a
 * directory of thousands is never loaded. Always refetched when the add dialog
 * opens, because users and tokens change on other screens.
 */
import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { fetchPage } from "../../../lib/paging.js";
import { accessKeys } from "../../../lib/query-keys.js";

/** Per kind: enough to pick from, few enough for a datalist. */
export const SUBJECT_SUGGESTIONS_LIMIT = 20;

export async function fetchAclSubjects(filter: string, signal?: AbortSignal): Promise<string[]> {
  const query = { start: 0, limit: SUBJECT_SUGGESTIONS_LIMIT, filter } as const;
  const [users, tokens] = await Promise.all([
    fetchPage("/access/users", { ...query, sort: "userid", order: "asc" }, (user: { userid: string }) => user.userid, { signal }),
    fetchPage("/access/tokens", { ...query, sort: "tokenid", order: "asc" }, (token: { tokenid: string }) => token.tokenid, { signal }),
  ]);
  return [...users.rows, ...tokens.rows].sort((a, b) => a.localeCompare(b));
}

export function aclSubjectsQueryOptions(filter: string) {
  return queryOptions({
    // Under the users root: creating or deleting a user or token refreshes it.
    queryKey: [...accessKeys.users, "acl-subjects", filter] as const,
    queryFn: ({ signal }) => fetchAclSubjects(filter, signal),
    staleTime: 0,
    placeholderData: keepPreviousData,
  });
}

export function useAclSubjects(filter: string) {
  return useQuery(aclSubjectsQueryOptions(filter));
}
