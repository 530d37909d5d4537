import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api-client.js";
import { accessKeys } from "../../../lib/query-keys.js";

export interface Domain {
  realm: string;
  type: string;
  comment?: string;
  default?: boolean;
}

/** Needs no authentication: the login page lists the realms with it. */
export function fetchDomains(signal?: AbortSignal): Promise<Domain[]> {
  return api.listDomains<Domain[]>(signal);
}

export function domainsQueryOptions() {
  return queryOptions({
    queryKey: accessKeys.domains,
    queryFn: ({ signal }) => fetchDomains(signal),
    staleTime: 5 * 60_000,
  });
}

export function useDomains() {
  return useQuery(domainsQueryOptions());
}
