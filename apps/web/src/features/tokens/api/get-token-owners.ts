/**
 * The owners the add dialog offers: the first page of users the caller may see (the
 * caller alone without Sys.Audit on /access/users). Bounded, so a directory of
 * thousands of users is never loaded; the search narrows it on the server.
 */
import { queryOptions, useQuery } from "@tanstack/react-query";
import { fetchPage } from "../../../lib/paging.js";
import { accessKeys } from "../../../lib/query-keys.js";

export const OWNER_CHOICES_LIMIT = 200;

export async function fetchTokenOwners(filter: string, signal?: AbortSignal): Promise<{ userids: string[]; total: number }> {
  const page = await fetchPage(
    "/access/users",
    { start: 0, limit: OWNER_CHOICES_LIMIT, filter, sort: "userid", order: "asc" },
    (user: { userid: string }) => user.userid,
    { signal },
  );
  return { userids: page.rows, total: page.total };
}

export function tokenOwnersQueryOptions(filter: string) {
  return queryOptions({
    queryKey: [...accessKeys.users, "token-owners", filter] as const,
    queryFn: ({ signal }) => fetchTokenOwners(filter, signal),
  });
}

export function useTokenOwners(filter = "") {
  return useQuery(tokenOwnersQueryOptions(filter));
}
