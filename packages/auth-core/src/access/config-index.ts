/**
 * Indexes over one AccessConfig, so no request walks every token per user or
 * every ACL entry per permission check (docs/design.md, scale rules). A config
 * snapshot is frozen and shared until its version changes, so its indexes are
 * built once per snapshot and memoized on the object itself; a mutable draft
 * (inside a mutation) gets a fresh one each time.
 */
import { compareStrings, ownerOfTokenId } from "./config-queries.js";
import { SliceYielder, sortInSlices } from "../guard/cooperative.js";
import { readMapValuesInSlices } from "../store/config-layers.js";
import type { AccessConfig, AclEntry, TokenRecord, UserRecord } from "../core/model.js";

/** Sorted listings of one config, for paging, filtering and the per-owner token lists. */
export interface ConfigListIndex {
  /** Every user, by userid. */
  readonly users: readonly UserRecord[];
  /** Every token, by tokenid. */
  readonly tokens: readonly TokenRecord[];
  /** Each user's tokens, by tokenid; a user without tokens has no key. */
  readonly tokensByOwner: ReadonlyMap<string, readonly TokenRecord[]>;
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
    index = buildListIndex(config);
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

async function buildListIndex(config: AccessConfig): Promise<ConfigListIndex> {
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
