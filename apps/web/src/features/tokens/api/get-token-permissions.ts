import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api-client.js";
import { accessKeys } from "../../../lib/query-keys.js";

/** Path -> privilege -> propagate, the PBS permissions format. */
export type PermissionMap = Record<string, Record<string, boolean | number>>;

export interface PermissionRow {
  path: string;
  privilege: string;
  propagate: boolean;
}

export function toPermissionRows(map: PermissionMap): PermissionRow[] {
  return Object.entries(map)
    .flatMap(([path, privileges]) =>
      Object.entries(privileges).map(([privilege, propagate]) => ({ path, privilege, propagate: Boolean(propagate) })),
    )
    .sort((a, b) => a.path.localeCompare(b.path) || a.privilege.localeCompare(b.privilege));
}

export async function fetchTokenPermissions(tokenid: string, signal?: AbortSignal): Promise<PermissionRow[]> {
  const map = await api.request<PermissionMap>("GET", "/access/permissions", { query: { "auth-id": tokenid }, signal });
  return toPermissionRows(map);
}

export function tokenPermissionsQueryOptions(tokenid: string) {
  return queryOptions({
    queryKey: [...accessKeys.permissions, tokenid] as const,
    queryFn: ({ signal }) => fetchTokenPermissions(tokenid, signal),
  });
}

export function useTokenPermissions(tokenid: string) {
  return useQuery(tokenPermissionsQueryOptions(tokenid));
}
