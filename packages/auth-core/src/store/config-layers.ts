/**
 * Config snapshots that apply a change without copying the whole map
 * (docs/decisions/037-layered-config-snapshots.md). Copying a 100,000-key users or
 * tokens object (`{...base}`, dictionary mode) held the event loop about 90 ms per
 * change. A layered snapshot is a frozen, complete `root` plus a small `delta` of the
 * records changed since; it is the new version at once (I1), and lookups read the
 * delta, then the root. The flat map is built in slices in the background
 * (compaction) once changes pause or the delta grows large; a reader of
 * `config.users` or `config.tokens` before that gets it built synchronously. The hot
 * path (`readTokenRecord`, `readUserRecord`) never builds it: one symbol-keyed
 * property read tells a layered snapshot from a plain one.
 */
import type { AccessConfig, AclEntry, TokenRecord, UserRecord } from "../core/model.js";
import { SliceYielder } from "../guard/cooperative.js";

type RecordMap<V> = Readonly<Record<string, V>>;

/** The layers of one users or tokens map: a complete frozen root and the changes since. Never edited in content. */
export class LayeredMap<V extends object> {
  /** The flat map, once built; then `root` and `delta` are no longer read. */
  private flat: RecordMap<V> | null = null;
  /** The flat map's keys in its order, when known: enumerating a 100,000-key object costs 20-40 ms in one piece. */
  private flatKeys: readonly string[] | null = null;
  private building: Promise<RecordMap<V>> | null = null;

  constructor(
    /** Frozen and complete as of some earlier snapshot. */
    private root: RecordMap<V>,
    /** `root`'s keys in its order, or null to enumerate them when first needed. */
    private rootKeys: readonly string[] | null,
    /** Frozen records changed since `root`; null for a deleted key. Never edited once the map is shared. */
    private delta: ReadonlyMap<string, V | null>,
  ) {}

  /** A map that is flat already, with its keys in order: a whole read's, so nothing enumerates it later. */
  static ofFlat<V extends object>(flat: RecordMap<V>, keys: readonly string[]): LayeredMap<V> {
    const map = new LayeredMap<V>(EMPTY, null, NO_CHANGES);
    map.setFlat(flat, keys);
    return map;
  }

  /** The record stored under `key`, without building the flat map. */
  get(key: string): V | undefined {
    const flat = this.flat;
    if (flat !== null) return Object.hasOwn(flat, key) ? flat[key] : undefined;
    const changed = this.delta.get(key);
    if (changed !== undefined) return changed ?? undefined;
    return Object.hasOwn(this.root, key) ? this.root[key] : undefined;
  }

  /** Changes held in the delta, waiting for compaction; 0 once flat. */
  get pendingChanges(): number {
    return this.flat === null ? this.delta.size : 0;
  }

  /** True once the flat map exists. */
  get isFlat(): boolean {
    return this.flat !== null;
  }

  /** The root, its keys and the changes on it, for code that counts incrementally. Null once flat. */
  readLayers(): { root: RecordMap<V>; rootKeys: readonly string[]; delta: ReadonlyMap<string, V | null> } | null {
    if (this.flat !== null) return null;
    this.rootKeys ??= Object.keys(this.root);
    return { root: this.root, rootKeys: this.rootKeys, delta: this.delta };
  }

  /** The flat map's keys in order when the map is flat and they are known, else null. Shared: never edit it. */
  readFlatKeys(): readonly string[] | null {
    return this.flat === null ? null : this.flatKeys;
  }

  /** The flat frozen map, built now (synchronously, O(n)) if compaction has not finished. */
  flatten(): RecordMap<V> {
    if (this.flat === null) {
      // Spread defines own properties, so a stored key such as "__proto__" stays an entry.
      const next: Record<string, V> = { ...this.root };
      for (const [key, value] of this.delta) {
        if (value === null) delete next[key];
        else setOwn(next, key, value);
      }
      this.setFlat(Object.freeze(next), null);
      layerStats.synchronousFlattens += 1;
    }
    return this.flat as RecordMap<V>;
  }

  /** The flat map, built in slices that give the event loop back (guard/cooperative.ts); concurrent callers share one build. */
  flattenInSlices(yielder = new SliceYielder()): Promise<RecordMap<V>> {
    if (this.flat !== null) return Promise.resolve(this.flat);
    this.building ??= this.buildInSlices(yielder).finally(() => (this.building = null));
    return this.building;
  }

  /** The flat map's keys in its order, built in slices; the array is shared, never edit it. */
  async readKeysInSlices(yielder = new SliceYielder()): Promise<readonly string[]> {
    const flat = await this.flattenInSlices(yielder);
    this.flatKeys ??= Object.keys(flat);
    return this.flatKeys;
  }

  /** The flat map's values in its key order, looked up in slices (Object.values holds the loop 80-100 ms at 100,000). */
  async readValuesInSlices(yielder = new SliceYielder()): Promise<V[]> {
    const keys = await this.readKeysInSlices(yielder);
    const flat = this.flat as RecordMap<V>;
    const values = new Array<V>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      values[i] = flat[keys[i] as string] as V;
      const pause = yielder.tick();
      if (pause !== undefined) await pause;
    }
    return values;
  }

  private async buildInSlices(yielder: SliceYielder): Promise<RecordMap<V>> {
    const { root, delta } = this;
    // Once per root that came from a whole read; a root this code built carries its keys.
    const rootKeys = (this.rootKeys ??= Object.keys(root));
    const next: Record<string, V> = {};
    const nextKeys: string[] = [];
    // In the root's key order, then the new keys: the order a spread and the delta give.
    for (const key of rootKeys) {
      if (this.flat !== null) return this.flat;
      const changed = delta.get(key);
      const value = changed === undefined ? root[key] : changed;
      if (value !== null && value !== undefined) {
        setOwn(next, key, value);
        nextKeys.push(key);
      }
      const pause = yielder.tick();
      if (pause !== undefined) await pause;
    }
    if (this.flat !== null) return this.flat;
    for (const [key, value] of delta) {
      if (value !== null && !Object.hasOwn(root, key)) {
        setOwn(next, key, value);
        nextKeys.push(key);
      }
    }
    const flat = Object.freeze(next);
    this.setFlat(flat, nextKeys);
    layerStats.slicedFlattens += 1;
    return flat;
  }

  /**
   * The map after `changes`, sharing this one's root: O(changes + this delta), never
   * O(n). Once this map is flat, the next one is layered on the flat map directly.
   */
  withChanges(changes: ReadonlyMap<string, V | null>): LayeredMap<V> {
    if (this.flat !== null) return new LayeredMap(this.flat, this.flatKeys, freezeChanges(changes));
    const merged = new Map(this.delta);
    for (const [key, value] of freezeChanges(changes)) merged.set(key, value);
    return new LayeredMap(this.root, this.rootKeys, merged);
  }

  /**
   * Takes `flat` (an older map's root with `olderDelta` applied) as this map's root
   * when both shared `olderRoot`: the changes it already holds need not be copied
   * again. Same content, smaller delta.
   */
  rebase(olderRoot: RecordMap<V>, older: LayeredMap<V>, olderDelta: ReadonlyMap<string, V | null>): void {
    if (this.flat !== null || this.root !== olderRoot || this.building !== null || older.flat === null) return;
    const delta = new Map<string, V | null>();
    for (const [key, value] of this.delta) {
      // A value identical to the older map's was changed before it, and its flat map holds it.
      if (!(olderDelta.has(key) && olderDelta.get(key) === value)) delta.set(key, value);
    }
    this.root = older.flat;
    this.rootKeys = older.flatKeys;
    this.delta = delta;
  }

  private setFlat(flat: RecordMap<V>, keys: readonly string[] | null): void {
    this.flat = flat;
    this.flatKeys = keys;
    // Let the old root go: a chain of snapshots must not keep every root alive.
    this.root = EMPTY;
    this.rootKeys = null;
    this.delta = NO_CHANGES;
  }
}

const EMPTY: RecordMap<never> = Object.freeze({});
const NO_CHANGES: ReadonlyMap<string, never> = new Map<string, never>();

/** Counters for tests: how often a flat map was built, and how. */
export const layerStats = { synchronousFlattens: 0, slicedFlattens: 0 };

const LAYERS = Symbol("configLayers");

interface ConfigLayers {
  users: LayeredMap<UserRecord>;
  tokens: LayeredMap<TokenRecord>;
  /**
   * The snapshot this one was made from and what changed since (its records are the
   * ones this snapshot holds), so indexes can be carried forward instead of rebuilt.
   * Weak: a chain of snapshots must not stay alive through it.
   */
  previous: { config: WeakRef<AccessConfig>; step: ConfigStep } | null;
}

/** The snapshot `config` was made from, if still alive, and the changes between them. */
export function readPreviousSnapshot(config: AccessConfig): { config: AccessConfig; step: ConfigStep } | null {
  const previous = readConfigLayers(config)?.previous;
  const older = previous?.config.deref();
  return previous === null || previous === undefined || older === undefined ? null : { config: older, step: previous.step };
}

/** The layers of a layered snapshot, undefined for a plain config (or a draft). */
export function readConfigLayers(config: AccessConfig): ConfigLayers | undefined {
  return (config as { [LAYERS]?: ConfigLayers })[LAYERS];
}

/** A token record by id, from a plain or a layered config: the hot path's lookup. */
export function readTokenRecord(config: AccessConfig, tokenid: string): TokenRecord | undefined {
  const layers = (config as { [LAYERS]?: ConfigLayers })[LAYERS];
  if (layers !== undefined) return layers.tokens.get(tokenid);
  const tokens = config.tokens;
  return Object.hasOwn(tokens, tokenid) ? tokens[tokenid] : undefined;
}

/** A user record by id, from a plain or a layered config. */
export function readUserRecord(config: AccessConfig, userid: string): UserRecord | undefined {
  const layers = (config as { [LAYERS]?: ConfigLayers })[LAYERS];
  if (layers !== undefined) return layers.users.get(userid);
  const users = config.users;
  return Object.hasOwn(users, userid) ? users[userid] : undefined;
}

/**
 * A whole read's frozen config as a snapshot that knows its keys (in the maps'
 * order, as the rows were read): its listing index and digests then never enumerate
 * the 100,000-key objects in one piece, and the next change layers on it.
 */
export function snapshotWholeRead(config: AccessConfig, keys: { users: readonly string[]; tokens: readonly string[] }): AccessConfig {
  const users = LayeredMap.ofFlat(config.users, keys.users);
  const tokens = LayeredMap.ofFlat(config.tokens, keys.tokens);
  return Object.freeze(
    Object.defineProperties({} as AccessConfig, {
      users: { value: config.users, enumerable: true },
      tokens: { value: config.tokens, enumerable: true },
      acl: { value: config.acl, enumerable: true },
      [LAYERS]: { value: { users, tokens, previous: null } satisfies ConfigLayers },
    }),
  );
}

/** What a snapshot step changed: a record per key (null when deleted), and the new ACL or null. */
export interface ConfigStep {
  users: ReadonlyMap<string, UserRecord | null>;
  tokens: ReadonlyMap<string, TokenRecord | null>;
  acl: readonly AclEntry[] | null;
}

/**
 * A new frozen snapshot: `base` with `changes` applied, in O(changes), sharing every
 * unchanged record. Its `users` and `tokens` properties give the flat maps (built on
 * first use if compaction has not built them yet); lookups through readTokenRecord
 * and readUserRecord never need them. Starts compaction of the newest snapshot.
 */
export function layerConfigChanges(base: AccessConfig, changes: ConfigStep): AccessConfig {
  const baseLayers = readConfigLayers(base);
  const step: ConfigStep = {
    users: freezeChanges(changes.users),
    tokens: freezeChanges(changes.tokens),
    acl: changes.acl === null ? null : Object.freeze(changes.acl.map((entry) => Object.freeze({ ...entry }))),
  };
  const users = layerMap(baseLayers?.users, base, "users", step.users);
  const tokens = layerMap(baseLayers?.tokens, base, "tokens", step.tokens);
  const acl = step.acl === null ? base.acl : (step.acl as AclEntry[]);
  const previous = { config: new WeakRef(base), step };
  const config = Object.freeze(
    Object.defineProperties({} as AccessConfig, {
      users: { get: () => users.flatten(), enumerable: true },
      tokens: { get: () => tokens.flatten(), enumerable: true },
      acl: { value: acl, enumerable: true },
      [LAYERS]: { value: { users, tokens, previous } satisfies ConfigLayers },
    }),
  );
  compactor.schedule(users, tokens);
  return config;
}

function layerMap<V extends object>(
  layered: LayeredMap<V> | undefined,
  base: AccessConfig,
  part: "users" | "tokens",
  changes: ReadonlyMap<string, V | null>,
): LayeredMap<V> {
  if (layered !== undefined) return changes.size === 0 ? layered : layered.withChanges(changes);
  // A plain base is frozen and complete: it is the root as it is.
  return new LayeredMap(base[part] as unknown as RecordMap<V>, null, freezeChanges(changes));
}

function freezeChanges<V extends object>(changes: ReadonlyMap<string, V | null>): Map<string, V | null> {
  const frozen = new Map<string, V | null>();
  for (const [key, value] of changes) frozen.set(key, value === null ? null : Object.isFrozen(value) ? value : Object.freeze({ ...value }));
  return frozen;
}

function setOwn<V>(target: Record<string, V>, key: string, value: V): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

// A delta this large is compacted at once; a smaller one waits until no change came for
// the quiet time. A lookup through the layers costs 10-30 ns more than a flat one, but
// a new 100,000-key map per burst of a steady stream of changes put the cached-token
// p99 at 2.5-2.8x the quiet one (docs/performance.md, session 6).
const COMPACT_AT_PENDING_CHANGES = 1024;
const COMPACT_AFTER_QUIET_MS = 1000;

/**
 * Builds flat maps in the background, one at a time, then rebases the newest
 * snapshot's maps on it. Superseded snapshots are skipped (a reader of one still
 * gets a correct flat map, built on demand).
 */
class Compactor {
  private newest: LayeredMap<object>[] = [];
  running: Promise<void> | null = null;
  private quietTimer: NodeJS.Timeout | null = null;

  schedule(...maps: LayeredMap<object>[]): void {
    this.newest = maps;
    if (this.running !== null) return;
    if (maps.some((map) => map.pendingChanges >= COMPACT_AT_PENDING_CHANGES)) return this.start();
    if (this.quietTimer !== null) clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => this.start(), COMPACT_AFTER_QUIET_MS).unref();
  }

  /** Starts any compaction that waits for quiet now; for tests. */
  flush = (): void => void (this.quietTimer !== null && this.start());

  private start(): void {
    if (this.quietTimer !== null) clearTimeout(this.quietTimer);
    this.quietTimer = null;
    this.running ??= this.run().finally(() => {
      this.running = null;
      // Changes that arrived during the build wait for their own quiet moment.
      if (this.newest.some((map) => !map.isFlat)) this.schedule(...this.newest);
    });
  }

  private async run(): Promise<void> {
    // Not inside the change that scheduled it: installing a snapshot stays O(changes).
    await new Promise((resolve) => setImmediate(resolve));
    const pending = this.newest.find((map) => !map.isFlat);
    if (pending === undefined) return;
    const layers = pending.readLayers();
    await pending.flattenInSlices();
    if (layers === null) return;
    // A newer map of the same part shares this one's root: rebase it on the flat map.
    for (const map of this.newest) map.rebase(layers.root, pending, layers.delta);
  }
}

const compactor = new Compactor();

/** Settles once background compaction has nothing left to do; for tests. */
export async function settleCompaction(): Promise<void> {
  for (;;) {
    compactor.flush();
    if (compactor.running === null) return;
    await compactor.running;
  }
}

/** The flat maps of `config`, built in slices when it is a layered snapshot that is not flat yet. */
export async function flattenConfigInSlices(config: AccessConfig, yielder = new SliceYielder()): Promise<void> {
  const layers = readConfigLayers(config);
  if (layers === undefined) return;
  await layers.users.flattenInSlices(yielder);
  await layers.tokens.flattenInSlices(yielder);
}

type PartRecord<P extends "users" | "tokens"> = AccessConfig[P][string];

/**
 * The keys of `config[part]` in its order. For a layered snapshot they come from
 * compaction in slices; a plain map is enumerated at once, as before.
 */
export async function readMapKeysInSlices(
  config: AccessConfig,
  part: "users" | "tokens",
  yielder = new SliceYielder(),
): Promise<readonly string[]> {
  const layered = readConfigLayers(config)?.[part];
  return layered === undefined ? Object.keys(config[part]) : await layered.readKeysInSlices(yielder);
}

/** The records of `config[part]` in its key order; a layered snapshot's are looked up in slices. */
export async function readMapValuesInSlices<P extends "users" | "tokens">(
  config: AccessConfig,
  part: P,
  yielder = new SliceYielder(),
): Promise<PartRecord<P>[]> {
  const layered = readConfigLayers(config)?.[part] as LayeredMap<PartRecord<P>> | undefined;
  return layered === undefined ? (Object.values(config[part]) as PartRecord<P>[]) : await layered.readValuesInSlices(yielder);
}
