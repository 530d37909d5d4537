/**
 * The token table's data: every user the caller may see, with their tokens embedded
 * (`include_tokens=1`), flattened into one row per token. The user list is kept too,
 * for the owner choice of the add dialog.
 */
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api-client.js";
import { accessKeys } from "../../../lib/query-keys.js";
import { nowEpochSeconds } from "../../../lib/time.js";
import { isTokenStatus, type TokenStatus } from "../../../lib/token-status.js";
import type { WireToken, WireUser } from "../../../lib/wire.js";

export interface TokenRow {
  /** `user@realm!name` */
  tokenid: string;
  userid: string;
  tokenName: string;
  /** PBS leaves `enable` out when it is the default, true. */
  enable: boolean;
  /** Epoch seconds, 0 for never. */
  expire: number;
  comment: string;
  status: TokenStatus;
}

export interface TokenList {
  userids: string[];
  tokens: TokenRow[];
}

function isOn(flag: boolean | number | undefined): boolean {
  return flag === undefined ? true : Boolean(flag);
}

function isPast(expire: number | undefined, nowS: number): boolean {
  return expire !== undefined && expire !== 0 && expire <= nowS;
}

/**
 * The server's status when it sends one; for an embedded listing without it, the
 * same rule from the token's and the owner's flags that came with it.
 */
function resolveStatus(owner: WireUser, token: WireToken, nowS: number): TokenStatus {
  if (isTokenStatus(token.status)) return token.status;
  if (!isOn(owner.enable)) return "owner-disabled";
  if (isPast(owner.expire, nowS)) return "owner-expired";
  if (!isOn(token.enable)) return "disabled";
  if (isPast(token.expire, nowS)) return "expired";
  return "active";
}

function toTokenRow(owner: WireUser, token: WireToken, nowS: number): TokenRow {
  const userid = owner.userid;
  const bang = token.tokenid.lastIndexOf("!");
  return {
    tokenid: token.tokenid,
    userid,
    tokenName: token["token-name"] ?? token.tokenid.slice(bang + 1),
    enable: token.enable === undefined ? true : Boolean(token.enable),
    expire: token.expire ?? 0,
    comment: token.comment ?? "",
    status: resolveStatus(owner, token, nowS),
  };
}

export function toTokenList(users: readonly WireUser[], nowS: number = nowEpochSeconds()): TokenList {
  const userids = users.map((user) => user.userid).sort((a, b) => a.localeCompare(b));
  const tokens = users
    .flatMap((user) => (user.tokens ?? []).map((token) => toTokenRow(user, token, nowS)))
    .sort((a, b) => a.tokenid.localeCompare(b.tokenid));
  return { userids, tokens };
}

export async function fetchTokens(signal?: AbortSignal): Promise<TokenList> {
  const users = await api.request<WireUser[]>("GET", "/access/users", { query: { include_tokens: 1 }, signal });
  return toTokenList(users);
}

export function tokensQueryOptions() {
  return queryOptions({
    // Under the users root: a user mutation (delete deletes tokens) refreshes this too.
    queryKey: [...accessKeys.users, "with-tokens"] as const,
    queryFn: ({ signal }) => fetchTokens(signal),
  });
}

export function useTokens() {
  return useQuery(tokensQueryOptions());
}
