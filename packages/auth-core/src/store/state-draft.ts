/**
 * Copy-on-write drafts for `AccessStore.mutate` (docs/decisions/014-row-level-mutations.md).
 *
 * A mutation used to run on a deep copy of the whole state and then diff all of it
 * against the original: O(users + tokens) per token create, 0.5-3.5 s at 100,000.
 * A draft instead wraps the frozen config snapshot a store already holds and the
 * hash rows it has loaded. A record is copied only when the change reads it, and
 * only the keys the change touched are compared afterwards, so a token create costs
 * what it touches. Enumerating a map (`Object.keys`) still works and costs O(n);
 * the few changes that need it (a user delete looking for its tokens) pay that.
 *
 * Hash maps may be partial (PostgreSQL loads hash rows on demand): reading a key
 * that is not loaded throws RowsNotLoaded, and the store loads those rows and runs
 * the change again on a fresh draft. A change must therefore be a pure function of
 * its draft, as `mutate` already requires (synchronous, no side effects).
 */
import type { AccessConfig, AccessState, AclEntry, TokenRecord, UserRecord } from "../core/model.js";
import type { LayeredMap } from "./config-layers.js";
import { readConfigLayers } from "./config-layers.js";

/** The hash maps a draft can read lazily. */
export type HashPart = "tokenHashes" | "passwordHashes";

/** Hash rows as far as a store has loaded them: a missing key is unknown unless `complete`. */
export interface LoadedHashes {
  /** key -> hash, or null for a row known to be absent. */
  rows: Map<string, string | null>;
  /** True when `rows` holds every stored row, so a missing key is absent. */
  complete: boolean;
}

/** Thrown out of a change that read hash rows the store has not loaded yet; the store loads them and retries. */
export class RowsNotLoaded extends Error {
  constructor(
    readonly part: HashPart,
    /** The keys to load, or "all" when the change enumerated the map. */
    readonly keys: readonly string[] | "all",
  ) {
    super(`mutate: ${part} rows not loaded yet`);
    this.name = "RowsNotLoaded";
  }
}

/** What a draft changed, relative to its base. A null `acl` means unchanged. */
export interface DraftChanges {
  users: Map<string, UserRecord | null>;
  tokens: Map<string, TokenRecord | null>;
  tokenHashes: Map<string, string | null>;
  passwordHashes: Map<string, string | null>;
  acl: AclEntry[] | null;
}

export interface StateDraft {
  /** Hand this to the change. */
  readonly state: AccessState;
  /** Call once the change returned: what differs from the base, key by key. */
  readChanges(): DraftChanges;
}

const DELETED = Symbol("deleted");

/**
 * Lets digest and quota code see that a draft map still is exactly its frozen base
 * (config-digests.ts, token-quota.ts): the frozen map, or the LayeredMap of a
 * layered snapshot (config-layers.ts).
 */
export const DRAFT_BASE = Symbol("draftBase");

interface MapSource<V> {
  /** The stored value, undefined when absent; throws RowsNotLoaded when unknown. */
  get(key: string): V | undefined;
  /** Every stored key; throws RowsNotLoaded when unknown. */
  keys(): string[];
}

/**
 * A record-shaped Proxy over `source` that records writes in `overrides`. Values
 * read from the base are copied first (`copy`), so a change may edit what it
 * reads; the copy is remembered and compared with the base at the end.
 */
function createDraftMap<V>(
  source: MapSource<V>,
  copy: (value: V) => V,
  base: object | null,
): { proxy: Record<string, V>; overrides: Map<string, V | typeof DELETED> } {
  const overrides = new Map<string, V | typeof DELETED>();
  const lookup = (key: string): V | undefined => {
    const override = overrides.get(key);
    if (override !== undefined) return override === DELETED ? undefined : override;
    return source.get(key);
  };
  const proxy = new Proxy(
    {},
    {
      get(_target, key) {
        if (key === DRAFT_BASE) return overrides.size === 0 ? base : null;
        if (typeof key !== "string") return undefined;
        const override = overrides.get(key);
        if (override !== undefined) return override === DELETED ? undefined : override;
        const stored = source.get(key);
        if (stored === undefined) return undefined;
        const copied = copy(stored);
        overrides.set(key, copied);
        return copied;
      },
      set(_target, key, value: V) {
        if (typeof key !== "string") return false;
        overrides.set(key, value);
        return true;
      },
      defineProperty(_target, key, descriptor) {
        if (typeof key !== "string" || !("value" in descriptor)) return false;
        overrides.set(key, descriptor.value as V);
        return true;
      },
      deleteProperty(_target, key) {
        if (typeof key === "string") overrides.set(key, DELETED);
        return true;
      },
      has(_target, key) {
        return typeof key === "string" && lookup(key) !== undefined;
      },
      ownKeys() {
        const keys = new Set(source.keys());
        for (const [key, value] of overrides) {
          if (value === DELETED) keys.delete(key);
          else keys.add(key);
        }
        return [...keys];
      },
      getOwnPropertyDescriptor(_target, key) {
        if (typeof key !== "string") return undefined;
        const value = lookup(key);
        // The base value itself: enumerating keys must not copy every record; a read through [[Get]] copies.
        return value === undefined ? undefined : { value, writable: true, enumerable: true, configurable: true };
      },
    },
  );
  return { proxy, overrides };
}

function recordSource<V>(record: Readonly<Record<string, V>>): MapSource<V> {
  return {
    get: (key) => (Object.hasOwn(record, key) ? record[key] : undefined),
    keys: () => Object.keys(record),
  };
}

/** A snapshot's users or tokens: read through its layers when it has them, so a draft never builds the flat map to look one up. */
function configSource<V extends object>(layered: LayeredMap<V> | undefined, read: () => Readonly<Record<string, V>>): MapSource<V> {
  if (layered === undefined) return recordSource(read());
  return { get: (key) => layered.get(key), keys: () => Object.keys(read()) };
}

function hashSource(part: HashPart, loaded: LoadedHashes): MapSource<string> {
  return {
    get(key) {
      const row = loaded.rows.get(key);
      if (row !== undefined) return row ?? undefined;
      if (loaded.complete) return undefined;
      throw new RowsNotLoaded(part, [key]);
    },
    keys() {
      if (!loaded.complete) throw new RowsNotLoaded(part, "all");
      const keys: string[] = [];
      for (const [key, hash] of loaded.rows) if (hash !== null) keys.push(key);
      return keys;
    },
  };
}

/**
 * A draft over a frozen config and loaded hash rows. `base` is never modified.
 */
export function createStateDraft(base: AccessConfig, hashes: { tokenHashes: LoadedHashes; passwordHashes: LoadedHashes }): StateDraft {
  const layers = readConfigLayers(base);
  const usersSource = configSource(layers?.users, () => base.users);
  const tokensSource = configSource(layers?.tokens, () => base.tokens);
  const users = createDraftMap(usersSource, (user) => ({ ...user }), layers?.users ?? base.users);
  const tokens = createDraftMap(tokensSource, (token) => ({ ...token }), layers?.tokens ?? base.tokens);
  const tokenHashes = createDraftMap(hashSource("tokenHashes", hashes.tokenHashes), (hash) => hash, null);
  const passwordHashes = createDraftMap(hashSource("passwordHashes", hashes.passwordHashes), (hash) => hash, null);
  const state: AccessState = {
    config: { users: users.proxy, tokens: tokens.proxy, acl: base.acl.map((entry) => ({ ...entry })) },
    tokenHashes: tokenHashes.proxy,
    passwordHashes: passwordHashes.proxy,
  };
  return {
    state,
    readChanges(): DraftChanges {
      return {
        users: readMapChanges(state.config.users, users, usersSource, isSameRecord),
        tokens: readMapChanges(state.config.tokens, tokens, tokensSource, isSameRecord),
        tokenHashes: readMapChanges(state.tokenHashes, tokenHashes, hashSource("tokenHashes", hashes.tokenHashes), Object.is),
        passwordHashes: readMapChanges(
          state.passwordHashes,
          passwordHashes,
          hashSource("passwordHashes", hashes.passwordHashes),
          Object.is,
        ),
        acl: isSameAcl(base.acl, state.config.acl) ? null : state.config.acl,
      };
    },
  };
}

/**
 * The keys whose value differs from the base: null for a deleted key. A change
 * that replaced a whole map (`state.config.users = {...}`) is compared key by key
 * over both, which is O(n) but correct.
 */
function readMapChanges<V>(
  current: Record<string, V>,
  draft: { proxy: Record<string, V>; overrides: Map<string, V | typeof DELETED> },
  source: MapSource<V>,
  isSame: (a: V, b: V) => boolean,
): Map<string, V | null> {
  const changes = new Map<string, V | null>();
  if (current !== draft.proxy) {
    if (typeof current !== "object" || current === null) throw new TypeError("mutate: a state map was replaced by a non-object");
    const keys = new Set([...source.keys(), ...Object.keys(current)]);
    for (const key of keys) {
      const after = Object.hasOwn(current, key) ? current[key] : undefined;
      const before = source.get(key);
      if (after === undefined) {
        if (before !== undefined) changes.set(key, null);
      } else if (before === undefined || !isSame(before, after)) changes.set(key, after);
    }
    return changes;
  }
  for (const [key, value] of draft.overrides) {
    const before = source.get(key);
    if (value === DELETED) {
      if (before !== undefined) changes.set(key, null);
    } else if (before === undefined || !isSame(before, value)) changes.set(key, value);
  }
  return changes;
}

/** Flat records: same own keys with the same primitive values. */
function isSameRecord(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const aRecord = a as Record<string, unknown>;
  const bRecord = b as Record<string, unknown>;
  const aKeys = Object.keys(aRecord).filter((key) => aRecord[key] !== undefined);
  const bKeys = Object.keys(bRecord).filter((key) => bRecord[key] !== undefined);
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every((key) => Object.is(aRecord[key], bRecord[key]));
}

function isSameAcl(before: readonly AclEntry[], after: unknown): boolean {
  if (!Array.isArray(after)) throw new TypeError("mutate: config.acl must be an array");
  if (before.length !== after.length) return false;
  return before.every((entry, index) => isSameRecord(entry, after[index]));
}

/**
 * A new frozen config with `changes` applied to `base`, sharing every unchanged
 * record. Maps are copied once (a shallow copy of n keys, a few milliseconds at
 * 100,000) only when they changed. Records put in are frozen copies.
 */
export function applyConfigChanges(base: AccessConfig, changes: Pick<DraftChanges, "users" | "tokens" | "acl">): AccessConfig {
  return Object.freeze({
    users: applyMapChanges(base.users, changes.users),
    tokens: applyMapChanges(base.tokens, changes.tokens),
    acl: changes.acl === null ? base.acl : (Object.freeze(changes.acl.map((entry) => Object.freeze({ ...entry }))) as AclEntry[]),
  });
}

function applyMapChanges<V extends object>(base: Readonly<Record<string, V>>, changes: ReadonlyMap<string, V | null>): Record<string, V> {
  if (changes.size === 0) return base;
  // Spread defines own properties, so a stored key such as "__proto__" stays an entry.
  const next: Record<string, V> = { ...base };
  for (const [key, value] of changes) {
    if (value === null) delete next[key];
    else Object.defineProperty(next, key, { value: Object.freeze({ ...value }), enumerable: true, writable: true, configurable: true });
  }
  return Object.freeze(next);
}

/** Deep-freezes a freshly parsed config in place (records are flat) and returns it. */
export function freezeConfig(config: AccessConfig): AccessConfig {
  for (const user of Object.values(config.users)) Object.freeze(user);
  for (const token of Object.values(config.tokens)) Object.freeze(token);
  for (const entry of config.acl) Object.freeze(entry);
  Object.freeze(config.users);
  Object.freeze(config.tokens);
  Object.freeze(config.acl);
  return Object.freeze(config);
}
