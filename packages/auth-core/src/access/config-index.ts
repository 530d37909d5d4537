/**
 * Indexes over one AccessConfig, so no request walks every token per user or
 * every ACL entry per permission check (docs/design.md, scale rules). A config
 * snapshot is frozen and shared until its version changes, so its indexes are
 * built once per snapshot and memoized on the object itself; a mutable draft
 * (inside a mutation) gets a fresh one each time.
 */
import { compareStrings, ownerOfTokenId } from "./config-queries.js";
import { SliceYielder, sortInSlices } from "../guard/cooperative.js";
import { readMapValuesInSlices, readPreviousSnapshot } from "../store/config-layers.js";
import type { ConfigStep } from "../store/config-layers.js";
import type { AccessConfig, AclEntry, TokenRecord, UserRecord } from "../core/model.js";

/** Each user's tokens, by tokenid; a user without tokens has no entry. */
export interface TokensByOwner {
  get(owner: string): readonly TokenRecord[] | undefined;
}

/** Sorted listings of one config, for paging, filtering and the per-owner token lists. */
export interface ConfigListIndex {
  /** Every user, by userid. */
  readonly users: readonly UserRecord[];
  /** Every token, by tokenid. */
  readonly tokens: readonly TokenRecord[];
  /** Each user's tokens, by tokenid; a user without tokens has no key. */
  readonly tokensByOwner: TokensByOwner;
  /** Every distinct ACL path and `/`, in code-unit order. */
  readonly aclPaths: readonly string[];
}

const listIndexes = new WeakMap<AccessConfig, Promise<ConfigListIndex>>();
const aclIndexes = new WeakMap<readonly AclEntry[], ReadonlyMap<string, readonly AclEntry[]>>();

/**
 * The listing index of `config`, built in slices that give the event loop back
 * (O(n log n) once per snapshot). Shared by every request on the same frozen
 * snapshot.
 */
export function readConfigListIndex(config: AccessConfig): Promise<ConfigListIndex> {
  if (!Object.isFrozen(config)) return buildListIndex(config);
  let index = listIndexes.get(config);
  if (index === undefined) {
    index = deriveListIndex(config) ?? buildListIndex(config);
    listIndexes.set(config, index);
    // A failed build (it cannot fail on a valid config, but) must not be memoized.
    index.catch(() => listIndexes.delete(config));
  }
  return index;
}

/**
 * ACL entries by ugid. Built synchronously, because permission checks run inside
 * mutations too; one pass over the ACL, once per frozen snapshot.
 */
export function aclEntriesOf(config: AccessConfig, ugid: string): readonly AclEntry[] {
  const acl = config.acl;
  let byUgid = Object.isFrozen(acl) ? aclIndexes.get(acl) : undefined;
  if (byUgid === undefined) {
    byUgid = indexAclByUgid(acl);
    if (Object.isFrozen(acl)) aclIndexes.set(acl, byUgid);
  }
  return byUgid.get(ugid) ?? NO_ENTRIES;
}

const NO_ENTRIES: readonly AclEntry[] = Object.freeze([]);

function indexAclByUgid(acl: readonly AclEntry[]): Map<string, AclEntry[]> {
  const byUgid = new Map<string, AclEntry[]>();
  for (const entry of acl) {
    const list = byUgid.get(entry.ugid);
    if (list === undefined) byUgid.set(entry.ugid, [entry]);
    else list.push(entry);
  }
  return byUgid;
}

/** Full builds and carried-forward indexes, for tests that count work. */
export const listIndexStats = { built: 0, carried: 0 };

/** Changed rows up to which an index is carried forward rather than rebuilt. */
const MAX_DERIVED_CHANGES = 1024;
/** Owners whose lists differ from the last full build, beyond which the index is rebuilt. */
const MAX_CHANGED_OWNERS = 4096;

/**
 * The index of a PostgreSQL snapshot made from one whose index exists, carried
 * forward by its changed rows (store/config-layers.ts): a binary-search insert,
 * replace or remove per row in copies of the sorted arrays, and new lists for the
 * owners they touched only. O(n) array copies (memcpy, well under a millisecond at
 * 100,000) and O(changes x log n), instead of a sort of everything. Null when there
 * is nothing to carry forward from, or the ACL changed.
 */
function deriveListIndex(config: AccessConfig): Promise<ConfigListIndex> | null {
  const previous = readPreviousSnapshot(config);
  if (previous === null || previous.step.acl !== null) return null;
  if (previous.step.users.size + previous.step.tokens.size > MAX_DERIVED_CHANGES) return null;
  const older = listIndexes.get(previous.config);
  if (older === undefined) return null;
  return older.then((index) => carryForward(index, previous.step) ?? buildListIndex(config));
}

function carryForward(index: ConfigListIndex, step: ConfigStep): ConfigListIndex | null {
  const users = applySortedChanges(index.users, step.users, (user) => user.userid);
  const tokens = applySortedChanges(index.tokens, step.tokens, (token) => token.tokenid);
  const owners = new Set<string>();
  for (const tokenid of step.tokens.keys()) owners.add(ownerOfTokenId(tokenid));
  const tokensByOwner = OwnerIndex.carry(index.tokensByOwner, owners, tokens);
  if (tokensByOwner === null) return null;
  listIndexStats.carried += 1;
  return { users, tokens, tokensByOwner, aclPaths: index.aclPaths };
}

/** A copy of `sorted` (by `keyOf`, in compareStrings order) with `changes` applied: null removes. */
export function applySortedChanges<T>(sorted: readonly T[], changes: ReadonlyMap<string, T | null>, keyOf: (item: T) => string): T[] {
  const next = sorted.slice();
  for (const [key, value] of changes) {
    const at = lowerBound(next, key, keyOf);
    const found = at < next.length && keyOf(next[at] as T) === key;
    if (value === null) {
      if (found) next.splice(at, 1);
    } else if (found) next[at] = value;
    else next.splice(at, 0, value);
  }
  return next;
}

/** The first position whose key is not below `key`. */
function lowerBound<T>(sorted: readonly T[], key: string, keyOf: (item: T) => string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareStrings(keyOf(sorted[mid] as T), key) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Per-owner token lists: a full build's Map, with the lists of owners changed since then on top. */
class OwnerIndex implements TokensByOwner {
  private constructor(
    private readonly built: ReadonlyMap<string, readonly TokenRecord[]>,
    private readonly changed: ReadonlyMap<string, readonly TokenRecord[] | undefined>,
  ) {}

  get(owner: string): readonly TokenRecord[] | undefined {
    return this.changed.has(owner) ? this.changed.get(owner) : this.built.get(owner);
  }

  /** `older` with the lists of `owners` taken anew from `tokens` (sorted by tokenid); null when too many owners changed. */
  static carry(older: TokensByOwner, owners: ReadonlySet<string>, tokens: readonly TokenRecord[]): OwnerIndex | null {
    const built = older instanceof OwnerIndex ? older.built : (older as ReadonlyMap<string, readonly TokenRecord[]>);
    const changed = new Map(older instanceof OwnerIndex ? older.changed : []);
    if (changed.size + owners.size > MAX_CHANGED_OWNERS) return null;
    for (const owner of owners) {
      // An owner's tokens share the prefix `owner!`, so they sit together in tokenid order.
      const prefix = `${owner}!`;
      const list: TokenRecord[] = [];
      for (let i = lowerBound(tokens, prefix, (token) => token.tokenid); i < tokens.length; i++) {
        const token = tokens[i] as TokenRecord;
        if (!token.tokenid.startsWith(prefix)) break;
        if (ownerOfTokenId(token.tokenid) === owner) list.push(token);
      }
      changed.set(owner, list.length === 0 ? undefined : list);
    }
    return new OwnerIndex(built, changed);
  }
}

async function buildListIndex(config: AccessConfig): Promise<ConfigListIndex> {
  listIndexStats.built += 1;
  const yielder = new SliceYielder();
  // A layered PostgreSQL snapshot gives its records in slices: Object.values of a
  // 100,000-key object holds the loop 80-100 ms (config-layers.ts).
  const users = await sortInSlices(
    await readMapValuesInSlices(config, "users", yielder),
    (a, b) => compareStrings(a.userid, b.userid),
    yielder,
  );
  const tokens = await sortInSlices(
    await readMapValuesInSlices(config, "tokens", yielder),
    (a, b) => compareStrings(a.tokenid, b.tokenid),
    yielder,
  );
  const tokensByOwner = new Map<string, TokenRecord[]>();
  for (const token of tokens) {
    // Tokens arrive sorted, so every owner's list is sorted too.
    const owner = ownerOfTokenId(token.tokenid);
    const list = tokensByOwner.get(owner);
    if (list === undefined) tokensByOwner.set(owner, [token]);
    else list.push(token);
    const pause = yielder.tick();
    if (pause !== undefined) await pause;
  }
  const distinctPaths = new Set<string>(["/"]);
  for (const entry of config.acl) {
    distinctPaths.add(entry.path);
    const pause = yielder.tick();
    if (pause !== undefined) await pause;
  }
  const aclPaths = await sortInSlices([...distinctPaths], compareStrings, yielder);
  return { users, tokens, tokensByOwner, aclPaths };
}
