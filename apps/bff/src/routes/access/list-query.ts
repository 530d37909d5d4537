/**
 * The optional paging, filtering and sorting parameters of the list endpoints (a
 * Gatehouse extension; docs/design.md). Without any of them a listing keeps PBS's
 * shape; auth-core checks them again, so the bounds live there.
 */
import { LIST_FILTER_MAX_LENGTH, LIST_LIMIT_MAX, TOKEN_SORT_KEYS, TOKEN_STATUS_FILTERS, USER_SORT_KEYS } from "@gatehouse/auth-core";
import type { TokenListQuery, UserListQuery } from "@gatehouse/auth-core";
import { formInteger, oneOf, text } from "../../params.js";

/** "Not used for N days" (issue 14): neither used nor created within the last N days. */
export const unusedDaysField = {
  "unused-days": formInteger({ min: 1, max: 36_500 })
    .optional()
    .meta({ description: "only records neither used nor created within this many days (Gatehouse extension)" }),
};

const commonListFields = {
  limit: formInteger({ min: 1, max: LIST_LIMIT_MAX }).optional(),
  start: formInteger({ min: 0, max: Number.MAX_SAFE_INTEGER }).optional(),
  filter: text({ max: LIST_FILTER_MAX_LENGTH }).optional(),
  order: oneOf(["asc", "desc"]).optional(),
};

export const userListFields = { ...commonListFields, sort: oneOf(USER_SORT_KEYS).optional() };

export const tokenListFields = {
  ...commonListFields,
  sort: oneOf(TOKEN_SORT_KEYS).optional(),
  status: oneOf(TOKEN_STATUS_FILTERS).optional(),
};

type ParsedListFields = { limit?: number; start?: number; filter?: string; order?: "asc" | "desc" };

/** The query auth-core takes, without keys for parameters that were not given. */
export function toUserListQuery(input: ParsedListFields & { sort?: UserListQuery["sort"] }): UserListQuery {
  return dropUndefined({ limit: input.limit, start: input.start, filter: input.filter, order: input.order, sort: input.sort });
}

export function toTokenListQuery(
  input: ParsedListFields & { sort?: TokenListQuery["sort"]; status?: TokenListQuery["status"] },
): TokenListQuery {
  return dropUndefined({
    limit: input.limit,
    start: input.start,
    filter: input.filter,
    order: input.order,
    sort: input.sort,
    status: input.status,
  });
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
