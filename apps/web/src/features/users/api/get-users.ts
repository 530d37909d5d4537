import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { fetchPage, type PageQuery } from "../../../lib/paging.js";
import { accessKeys } from "../../../lib/query-keys.js";
import type { WireUser } from "../../../lib/wire.js";

export interface UserRow {
  userid: string;
  enable: boolean;
  /** Epoch seconds, 0 for never. */
  expire: number;
  comment: string;
  firstname: string;
  lastname: string;
  email: string;
  /** Epoch seconds; undefined for users made before creation times were kept (issue 14). */
  created: number | undefined;
  /** The last login at minute precision and its source address; undefined if none recorded. */
  lastUsed: number | undefined;
  lastUsedSource: string | undefined;
}

export function toUserRow(user: WireUser): UserRow {
  return {
    userid: user.userid,
    enable: user.enable === undefined ? true : Boolean(user.enable),
    expire: user.expire ?? 0,
    comment: user.comment ?? "",
    firstname: user.firstname ?? "",
    lastname: user.lastname ?? "",
    email: user.email ?? "",
    created: user.created,
    lastUsed: user["last-used"],
    lastUsedSource: user["last-used-source"],
  };
}

export type UserSortKey = "userid" | "expire" | "enable";

export interface UserPageQuery extends PageQuery<UserSortKey> {
  /** Only users neither logged in nor created within this many days (issue 14). */
  unusedDays: number | null;
}

/** One server page of users (the listing extension of docs/design.md). */
export function fetchUserPage(query: UserPageQuery, signal?: AbortSignal): Promise<{ rows: UserRow[]; total: number }> {
  return fetchPage("/access/users", query, toUserRow, { extra: { "unused-days": query.unusedDays ?? undefined }, signal });
}

export function userPageQueryOptions(query: UserPageQuery) {
  return queryOptions({
    // Under the users root: invalidating it also refreshes the token list, which
    // loses a deleted user's tokens.
    queryKey: [...accessKeys.users, "page", query] as const,
    queryFn: ({ signal }) => fetchUserPage(query, signal),
    placeholderData: keepPreviousData,
  });
}

export function useUserPage(query: UserPageQuery) {
  return useQuery(userPageQueryOptions(query));
}
