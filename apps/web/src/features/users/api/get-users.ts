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
  };
}

export type UserSortKey = "userid" | "expire" | "enable";

export type UserPageQuery = PageQuery<UserSortKey>;

/** One server page of users (the listing extension of docs/design.md). */
export function fetchUserPage(query: UserPageQuery, signal?: AbortSignal): Promise<{ rows: UserRow[]; total: number }> {
  return fetchPage("/access/users", query, toUserRow, { signal });
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
