import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api-client.js";
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

export async function fetchUsers(signal?: AbortSignal): Promise<UserRow[]> {
  const users = await api.request<WireUser[]>("GET", "/access/users", { signal });
  return users.map(toUserRow).sort((a, b) => a.userid.localeCompare(b.userid));
}

export function usersQueryOptions() {
  return queryOptions({
    // The root of every query on /access/users: invalidating it also refreshes the
    // token list, which embeds users and loses a deleted user's tokens.
    queryKey: accessKeys.users,
    queryFn: ({ signal }) => fetchUsers(signal),
  });
}

export function useUsers() {
  return useQuery(usersQueryOptions());
}

export type UserSortKey = "userid" | "expire" | "enable";

export interface UserPageQuery {
  start: number;
  limit: number;
  filter: string;
  sort: UserSortKey;
  order: "asc" | "desc";
}

/** One server page of users (the listing extension of docs/design.md). */
export async function fetchUserPage(query: UserPageQuery, signal?: AbortSignal): Promise<{ rows: UserRow[]; total: number }> {
  const page = await api.requestPage<WireUser>("/access/users", {
    query: {
      start: query.start,
      limit: query.limit,
      filter: query.filter === "" ? undefined : query.filter,
      sort: query.sort,
      order: query.order,
    },
    signal,
  });
  return { rows: page.rows.map(toUserRow), total: page.total };
}

export function userPageQueryOptions(query: UserPageQuery) {
  return queryOptions({
    queryKey: [...accessKeys.users, "page", query] as const,
    queryFn: ({ signal }) => fetchUserPage(query, signal),
    placeholderData: keepPreviousData,
  });
}

export function useUserPage(query: UserPageQuery) {
  return useQuery(userPageQueryOptions(query));
}
