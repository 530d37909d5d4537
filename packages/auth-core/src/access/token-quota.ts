/**
 * The token quotas (issue 15, finding 6): at most GATEHOUSE_MAX_TOKENS_PER_USER tokens
 * per user and GATEHOUSE_MAX_TOKENS in all. A create checks them twice: before its
 * hash on the current snapshot, and again inside the mutation, where concurrent
 * creates are serialised. Counting means walking every token id; through a
 * PostgreSQL draft's proxy that cost about 100 ms at 100,000 tokens, twice per
 * create. Both checks usually see the same frozen map (the draft's base is the
 * snapshot the first check read), so the count is made once per map and user,
 * with a plain loop over the frozen object.
 */
import { QuotaExceededError } from "../core/errors.js";
import type { TokenRecord } from "../core/model.js";
import { DRAFT_BASE } from "../store/state-draft.js";

export interface TokenQuotas {
  maxTokensPerUser: number;
  maxTokens: number;
}

export interface TokenCount {
  /** Tokens stored in all. */
  total: number;
  /** Tokens of the user asked about. */
  owned: number;
}

interface MapCounts {
  total: number;
  ownedBy: Map<string, number>;
}

/** Per frozen token map: its size and the per-user counts asked for so far. A frozen map never changes. */
const countsByMap = new WeakMap<object, MapCounts>();

type TokenMap = Readonly<Record<string, TokenRecord>>;

/**
 * How many tokens `tokens` holds in all and for `userid`. A draft map with no change
 * yet is counted over its frozen base (state-draft.ts, DRAFT_BASE); a frozen map is
 * counted once per user; anything else is counted afresh.
 */
export function countTokens(tokens: TokenMap, userid: string): TokenCount {
  const draftBase = (tokens as { [DRAFT_BASE]?: TokenMap | null })[DRAFT_BASE];
  const map = draftBase ?? tokens;
  const memo = Object.isFrozen(map) ? countsByMap.get(map) : undefined;
  const memoOwned = memo?.ownedBy.get(userid);
  if (memo !== undefined && memoOwned !== undefined) return { total: memo.total, owned: memoOwned };
  let total = 0;
  let owned = 0;
  const prefix = `${userid}!`;
  for (const tokenid in map) {
    total++;
    if (tokenid.startsWith(prefix)) owned++;
  }
  if (Object.isFrozen(map)) {
    const counts = memo ?? { total, ownedBy: new Map<string, number>() };
    counts.ownedBy.set(userid, owned);
    countsByMap.set(map, counts);
  }
  return { total, owned };
}

/** Refuses one more token for `userid` past either quota, with a 4xx that says which. */
export function requireTokenQuota(tokens: TokenMap, userid: string, quotas: TokenQuotas): void {
  const { total, owned } = countTokens(tokens, userid);
  if (owned >= quotas.maxTokensPerUser) {
    throw new QuotaExceededError(
      `user '${userid}' already has ${owned} API tokens, the most one user may have (GATEHOUSE_MAX_TOKENS_PER_USER); delete one first`,
    );
  }
  if (total >= quotas.maxTokens) {
    throw new QuotaExceededError(
      `the server already holds ${total} API tokens, the most it allows (GATEHOUSE_MAX_TOKENS); delete some first`,
    );
  }
}
