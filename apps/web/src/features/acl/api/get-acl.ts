import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api-client.js";
import { accessKeys } from "../../../lib/query-keys.js";
import type { WireAclEntry } from "../../../lib/wire.js";

export interface AclRow {
  path: string;
  /** A userid or a token id. */
  ugid: string;
  ugidType: "user" | "token";
  roleid: string;
  propagate: boolean;
}

export function toAclRow(entry: WireAclEntry): AclRow {
  return {
    path: entry.path,
    ugid: entry.ugid,
    ugidType: entry.ugid_type === "token" || entry.ugid.includes("!") ? "token" : "user",
    roleid: entry.roleid,
    propagate: entry.propagate === undefined ? true : Boolean(entry.propagate),
  };
}

export async function fetchAcl(signal?: AbortSignal): Promise<AclRow[]> {
  const entries = await api.request<WireAclEntry[]>("GET", "/access/acl", { signal });
  return entries
    .map(toAclRow)
    .sort((a, b) => a.path.localeCompare(b.path) || a.ugid.localeCompare(b.ugid) || a.roleid.localeCompare(b.roleid));
}

export function aclQueryOptions() {
  return queryOptions({
    queryKey: accessKeys.acl,
    queryFn: ({ signal }) => fetchAcl(signal),
  });
}

export function useAcl() {
  return useQuery(aclQueryOptions());
}
