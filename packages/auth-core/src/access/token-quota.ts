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
import { LayeredMap, readConfigLayers } from "../store/config-layers.js";
import type { AccessConfig } from "../core/model.js";
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

/** What a quota is counted over: a token map (plain, frozen or a draft's) or a layered snapshot's tokens (config-layers.ts). */
export type TokenCountSource = TokenMap | LayeredMap<TokenRecord>;

/** The tokens of a snapshot to count, without building a layered snapshot's flat map. */
export function tokensToCount(config: AccessConfig): TokenCountSource {
  return readConfigLayers(config)?.tokens ?? config.tokens;
}

/**
 * How many tokens `tokens` holds in all and for `userid`. A draft map with no change
 * yet is counted over its frozen base (state-draft.ts, DRAFT_BASE); a frozen map is
 * counted once per user; a layered snapshot's map as its root's counts plus its
 * changes (O(changes)); anything else is counted afresh.
 */
export function countTokens(tokens: TokenCountSource, userid: string): TokenCount {
  const draftBase = tokens instanceof LayeredMap ? undefined : (tokens as { [DRAFT_BASE]?: TokenCountSource | null })[DRAFT_BASE];
  const source = draftBase ?? tokens;
  if (!(source instanceof LayeredMap)) return countRecord(source, userid);
  const layers = source.readLayers();
  if (layers === null) return countRecord(source.flatten(), userid, source.readFlatKeys() ?? undefined);
  let { total, owned } = countRecord(layers.root, userid, layers.rootKeys);
  const prefix = `${userid}!`;
  for (const [tokenid, token] of layers.delta) {
    const before = Object.hasOwn(layers.root, tokenid);
    const step = token === null ? (before ? -1 : 0) : before ? 0 : 1;
    total += step;
    if (tokenid.startsWith(prefix)) owned += step;
  }
  return { total, owned };
}

/** Counts over `keys` when known: a loop over an array, not a 20-40 ms enumeration of a 100,000-key object. */
function countRecord(map: TokenMap, userid: string, keys?: readonly string[]): TokenCount {
  const memo = Object.isFrozen(map) ? countsByMap.get(map) : undefined;
  const memoOwned = memo?.ownedBy.get(userid);
  if (memo !== undefined && memoOwned !== undefined) return { total: memo.total, owned: memoOwned };
  let total = 0;
  let owned = 0;
  const prefix = `${userid}!`;
  if (keys === undefined) {
    for (const tokenid in map) {
      total++;
      if (tokenid.startsWith(prefix)) owned++;
    }
  } else {
    total = keys.length;
    for (const tokenid of keys) if (tokenid.startsWith(prefix)) owned++;
  }
  if (Object.isFrozen(map)) {
    const counts = memo ?? { total, ownedBy: new Map<string, number>() };
    counts.ownedBy.set(userid, owned);
    countsByMap.set(map, counts);
  }
  return { total, owned };
}

/** Refuses one more token for `userid` past either quota, with a 4xx that says which. */
export function requireTokenQuota(tokens: TokenCountSource, userid: string, quotas: TokenQuotas): void {
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
