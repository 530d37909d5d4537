/**
 * The role catalogue from `GET /access/roles`: the server keeps the one list
 * (auth-core roles.ts), so the console offers exactly the roles it accepts, each
 * with the privileges it grants (issue 11). It does not change while the server runs.
 */
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api-client.js";
import { accessKeys } from "../../../lib/query-keys.js";
import type { WireRole } from "../../../lib/wire.js";

export function fetchRoles(signal?: AbortSignal): Promise<WireRole[]> {
  return api.request<WireRole[]>("GET", "/access/roles", { signal });
}

export function rolesQueryOptions() {
  return queryOptions({
    queryKey: accessKeys.roles,
    queryFn: ({ signal }) => fetchRoles(signal),
    staleTime: Number.POSITIVE_INFINITY,
  });
}

export function useRoles() {
  return useQuery(rolesQueryOptions());
}

/** What a role grants, in one sentence for the picker. */
export function describeRoleGrants(role: Pick<WireRole, "privs">): string {
  if (role.privs.length === 0) return "Grants no privileges, and replaces every other role of this user or token on this path.";
  return `Grants ${[...role.privs].sort().join(", ")}.`;
}
