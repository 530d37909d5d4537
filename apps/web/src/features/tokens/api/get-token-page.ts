/**
 * One page of the token list from `GET /access/tokens` (the listing extension,
 * docs/design.md): every token the caller may see, filtered, sorted and paged by the
 * server, each row with the server's effective `status`.
 */
import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { fetchPage, type PageQuery } from "../../../lib/paging.js";
import { accessKeys } from "../../../lib/query-keys.js";
import { isTokenStatus, type TokenStatusFilter } from "../../../lib/token-status.js";
import type { WireToken } from "../../../lib/wire.js";
import type { TokenRow } from "./get-tokens.js";

export type TokenSortKey = "tokenid" | "expire" | "enable" | "comment";

export interface TokenPageQuery extends PageQuery<TokenSortKey> {
  status: TokenStatusFilter | null;
  /** Only tokens neither used nor created within this many days (issue 14). */
  unusedDays: number | null;
}

export function toPagedTokenRow(token: WireToken): TokenRow {
  const bang = token.tokenid.lastIndexOf("!");
  return {
    tokenid: token.tokenid,
    userid: token.tokenid.slice(0, bang),
    tokenName: token.tokenid.slice(bang + 1),
    enable: token.enable === undefined ? true : Boolean(token.enable),
    expire: token.expire ?? 0,
    comment: token.comment ?? "",
    // The server always sends it on this route; "active" only covers an older server.
    status: isTokenStatus(token.status) ? token.status : "active",
    created: token.created,
    lastUsed: token["last-used"],
    lastUsedSource: token["last-used-source"],
    previousSecretUntil: token["previous-secret-until"],
  };
}

export function fetchTokenPage(query: TokenPageQuery, signal?: AbortSignal): Promise<{ rows: TokenRow[]; total: number }> {
  return fetchPage("/access/tokens", query, toPagedTokenRow, {
    extra: { status: query.status ?? undefined, "unused-days": query.unusedDays ?? undefined },
    signal,
  });
}

export function tokenPageQueryOptions(query: TokenPageQuery) {
  return queryOptions({
    // Under the users root: a user mutation (delete deletes tokens) refreshes this too.
    queryKey: [...accessKeys.users, "token-page", query] as const,
    queryFn: ({ signal }) => fetchTokenPage(query, signal),
    // Keep the current page on screen while the next one loads.
    placeholderData: keepPreviousData,
  });
}

export function useTokenPage(query: TokenPageQuery) {
  return useQuery(tokenPageQueryOptions(query));
}
