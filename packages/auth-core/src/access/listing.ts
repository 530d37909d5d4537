/**
 * Paging, filtering and sorting of the user and token listings: a Gatehouse
 * extension beside PBS's shapes (docs/design.md, scale rules). Without any query
 * parameter a listing is exactly PBS's; with them, the console can search, sort and
 * page 100,000 tokens without loading the whole set. The work runs in slices that
 * give the event loop back (cooperative.ts).
 */
import { compareStrings } from "./config-queries.js";
import { filterInSlices, SliceYielder, sortInSlices } from "../guard/cooperative.js";
import { invalidParameter } from "../core/input-rules.js";
import type { AccessConfig, TokenRecord, UserRecord } from "../core/model.js";
import { readUserRecord } from "../store/config-layers.js";

/** How a token stands, from its own and its owner's enable and expiry; the console shows this instead of guessing. */
import type { TokenStatus } from "./types.js";

export type { TokenStatus };

/** Token statuses a listing can select; `expiring` is an active token that expires within EXPIRING_WITHIN_S. */
export const TOKEN_STATUS_FILTERS = ["active", "disabled", "owner-disabled", "expired", "owner-expired", "expiring"] as const;
export type TokenStatusFilter = (typeof TOKEN_STATUS_FILTERS)[number];

export const USER_SORT_KEYS = ["userid", "expire", "enable"] as const;
export type UserSortKey = (typeof USER_SORT_KEYS)[number];
export const TOKEN_SORT_KEYS = ["tokenid", "expire", "enable", "comment"] as const;
export type TokenSortKey = (typeof TOKEN_SORT_KEYS)[number];
export type SortOrder = "asc" | "desc";

/** A week: what the console calls "expiring soon". */
export const EXPIRING_WITHIN_S = 7 * 24 * 60 * 60;
/** Bounds of the paging parameters, checked by the caller (the HTTP layer) and again here. */
export const LIST_LIMIT_MAX = 1000;
export const LIST_FILTER_MAX_LENGTH = 128;

interface ListQueryBase {
  /** Case-insensitive substring. */
  filter?: string;
  order?: SortOrder;
  /** Page size, 1..LIST_LIMIT_MAX; when set, the answer carries the total. */
  limit?: number;
  /** Offset of the first row, >= 0. */
  start?: number;
}

export interface UserListQuery extends ListQueryBase {
  sort?: UserSortKey;
}

export interface TokenListQuery extends ListQueryBase {
  sort?: TokenSortKey;
  status?: TokenStatusFilter;
}

/** One page of a listing, and how many rows matched in all. */
export interface ListSelection<T> {
  rows: T[];
  total: number;
}

/**
 * Checks a query the library was handed (the bff has parsed it already; the CLI or
 * another caller may not have). Throws InvalidParameterError naming the parameter.
 */
export function requireListQuery<Q extends UserListQuery | TokenListQuery>(query: Q, sortKeys: readonly string[]): Q {
  const { limit, start, filter, order, sort } = query;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > LIST_LIMIT_MAX)) {
    throw invalidParameter("limit", `expected an integer from 1 to ${LIST_LIMIT_MAX}`);
  }
  if (start !== undefined && (!Number.isSafeInteger(start) || start < 0)) {
    throw invalidParameter("start", "expected an integer >= 0");
  }
  if (filter !== undefined && (typeof filter !== "string" || filter.length > LIST_FILTER_MAX_LENGTH)) {
    throw invalidParameter("filter", `expected a string of at most ${LIST_FILTER_MAX_LENGTH} characters`);
  }
  if (order !== undefined && order !== "asc" && order !== "desc") throw invalidParameter("order", "expected asc or desc");
  if (sort !== undefined && !sortKeys.includes(sort)) throw invalidParameter("sort", `expected one of: ${sortKeys.join(", ")}`);
  const status = (query as TokenListQuery).status;
  if (status !== undefined && !(TOKEN_STATUS_FILTERS as readonly string[]).includes(status)) {
    throw invalidParameter("status", `expected one of: ${TOKEN_STATUS_FILTERS.join(", ")}`);
  }
  return query;
}

/** True when any extension parameter was given: the reply then uses the extended shape. */
export function isExtendedListQuery(query: UserListQuery | TokenListQuery | undefined): boolean {
  return query !== undefined && Object.values(query).some((value) => value !== undefined);
}

function isLive(record: { enable: boolean; expire: number }, nowS: number): boolean {
  return record.enable && (record.expire === 0 || record.expire > nowS);
}

/** The token's own state wins over its owner's: a disabled token of a disabled user reads "disabled". */
export function computeTokenStatus(config: AccessConfig, token: TokenRecord, ownerUserid: string, nowS: number): TokenStatus {
  if (!token.enable) return "disabled";
  if (token.expire !== 0 && token.expire <= nowS) return "expired";
  const owner = readUserRecord(config, ownerUserid);
  if (owner === undefined || !owner.enable) return "owner-disabled";
  if (!isLive(owner, nowS)) return "owner-expired";
  return "active";
}

function matchesStatus(status: TokenStatus, token: TokenRecord, wanted: TokenStatusFilter, nowS: number): boolean {
  if (wanted !== "expiring") return status === wanted;
  return status === "active" && token.expire !== 0 && token.expire - nowS <= EXPIRING_WITHIN_S;
}

/** 0 means "never", which sorts after every real date. */
function expireRank(expire: number): number {
  return expire === 0 ? Number.POSITIVE_INFINITY : expire;
}

function compareNumbers(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const USER_COMPARATORS: Record<UserSortKey, (a: UserRecord, b: UserRecord) => number> = {
  userid: (a, b) => compareStrings(a.userid, b.userid),
  expire: (a, b) => compareNumbers(expireRank(a.expire), expireRank(b.expire)) || compareStrings(a.userid, b.userid),
  enable: (a, b) => compareNumbers(Number(a.enable), Number(b.enable)) || compareStrings(a.userid, b.userid),
};

const TOKEN_COMPARATORS: Record<TokenSortKey, (a: TokenRecord, b: TokenRecord) => number> = {
  tokenid: (a, b) => compareStrings(a.tokenid, b.tokenid),
  expire: (a, b) => compareNumbers(expireRank(a.expire), expireRank(b.expire)) || compareStrings(a.tokenid, b.tokenid),
  enable: (a, b) => compareNumbers(Number(a.enable), Number(b.enable)) || compareStrings(a.tokenid, b.tokenid),
  comment: (a, b) => compareStrings(a.comment ?? "", b.comment ?? "") || compareStrings(a.tokenid, b.tokenid),
};

function includesFolded(haystack: string | undefined, foldedNeedle: string): boolean {
  return haystack !== undefined && haystack.toLowerCase().includes(foldedNeedle);
}

/**
 * The page of `users` (sorted by userid, as the index holds them) that `query`
 * selects. Filtering is O(n), sorting by another key O(n log n), both in slices.
 */
export async function selectUsers(users: readonly UserRecord[], query: UserListQuery): Promise<ListSelection<UserRecord>> {
  const yielder = new SliceYielder();
  const needle = query.filter?.toLowerCase() ?? "";
  const matching =
    needle === ""
      ? users
      : await filterInSlices(
          users,
          (user) =>
            includesFolded(user.userid, needle) ||
            includesFolded(user.firstname, needle) ||
            includesFolded(user.lastname, needle) ||
            includesFolded(user.email, needle) ||
            includesFolded(user.comment, needle),
          yielder,
        );
  const sortKey = query.sort ?? "userid";
  const sorted = sortKey === "userid" ? matching : await sortInSlices(matching, USER_COMPARATORS[sortKey], yielder);
  return { rows: takePage(sorted, query), total: sorted.length };
}

/**
 * The page of `tokens` (sorted by tokenid) that `query` selects, each row with its
 * status. `ownerOf` names a token's user, as the caller already knows it.
 */
export async function selectTokens(
  config: AccessConfig,
  tokens: readonly TokenRecord[],
  query: TokenListQuery,
  nowS: number,
  ownerOf: (tokenid: string) => string,
): Promise<ListSelection<TokenRecord>> {
  const yielder = new SliceYielder();
  const needle = query.filter?.toLowerCase() ?? "";
  const wanted = query.status;
  const matching =
    needle === "" && wanted === undefined
      ? tokens
      : await filterInSlices(
          tokens,
          (token) =>
            (needle === "" || includesFolded(token.tokenid, needle) || includesFolded(token.comment, needle)) &&
            (wanted === undefined || matchesStatus(computeTokenStatus(config, token, ownerOf(token.tokenid), nowS), token, wanted, nowS)),
          yielder,
        );
  const sortKey = query.sort ?? "tokenid";
  const sorted = sortKey === "tokenid" ? matching : await sortInSlices(matching, TOKEN_COMPARATORS[sortKey], yielder);
  return { rows: takePage(sorted, query), total: sorted.length };
}

/** The rows of one page; `desc` reads the ascending order from the end, so it costs no second sort. */
function takePage<T>(sorted: readonly T[], query: ListQueryBase): T[] {
  const start = Math.max(0, query.start ?? 0);
  const limit = query.limit ?? sorted.length;
  if (query.order !== "desc") return sorted.slice(start, start + limit);
  const end = Math.max(0, sorted.length - start);
  return sorted.slice(Math.max(0, end - limit), end).reverse();
}
