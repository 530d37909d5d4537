/**
 * The file store's parts (user.json, acl.json and the two hash maps) as this process
 * holds them, and how each is brought up to date: kept while its file and generation
 * are the ones last read or written, brought forward record by record from the
 * change journal when another store changed it, read and parsed whole otherwise
 * (decision 036). The secret-change history I6 asks for is kept here too, because
 * every step that moves the token hashes passes through this cache.
 */
import { ABSENT_STAMP, parseStoredJson, readFileSnapshot, readFileStamp, stampIdentity } from "./atomic-file.js";
import { planCatchUp } from "./change-journal.js";
import type { FileChangeJournal, JournalChanges, JournalRecord } from "./change-journal.js";
import type { GenerationCounter, Generations } from "./generation.js";
import type { AccessConfig, AclEntry } from "../../core/model.js";
import { applyConfigChanges } from "../state-draft.js";
import type { SecretChanges } from "../store.js";
import { PARTS, serializePart } from "./file-format.js";
import type { PartSpec, PartValues, StoredPart, UsersFile } from "./file-format.js";
import { applyHashChanges } from "./file-render.js";
import type { RenderedUsersFile } from "./file-render.js";

/** What this process holds of each part: config parts frozen and shared, hash maps updated in place under the lock. */
export interface CachedValues {
  users: UsersFile;
  acl: readonly AclEntry[];
  passwordShadow: Map<string, string>;
  tokenShadow: Map<string, string>;
}

/** A part as this process holds it. */
export interface PartEntry<T> {
  /** The counter of the part's generation the value is for. */
  generation: bigint;
  /**
   * Where the journal continues from: `generation`, or the next one when the value
   * came from a record whose writer had renamed its files but not yet bumped.
   */
  chainGeneration: bigint;
  /** The stat stamp of the file the value is for. */
  stamp: string;
  value: T;
  /** The stored text when this process read or wrote it; rendered when the digest asks. */
  text: Buffer | string | null;
}

export type PartEntries = { [P in StoredPart]: PartEntry<CachedValues[P]> };

/** Enough for every catch-up of the secret cache: each one asks from the version the previous one reached. */
const SECRET_TRANSITIONS_KEPT = 64;

export class FilePartCache {
  /**
   * How each part was last brought up to date, for tests and metrics: a change made
   * through another store is applied from the journal (decision 036); a hand edit, a
   * first read or a gap in the journal reads and parses the whole file.
   */
  readonly partLoads = { full: 0, journal: 0 };
  private readonly entries = new Map<StoredPart, PartEntry<CachedValues[StoredPart]>>();
  /** The token ids whose hash changed between two secrets versions this store held (I6), newest last. */
  private secretTransitions: { from: string; to: string; changed: Set<string> | null }[] = [];
  /** The config object last handed out, so the same parts give the same (frozen, shared) object. */
  private lastConfig: { users: UsersFile; acl: readonly AclEntry[]; config: AccessConfig } | null = null;
  /** user.json as rendered entries, for the users value it renders; built by this process's first write to it. */
  private usersText: { forValue: UsersFile; rendered: RenderedUsersFile } | null = null;

  constructor(
    private readonly pathOf: (file: string) => string,
    private readonly generations: GenerationCounter,
    private readonly journal: FileChangeJournal,
  ) {}

  /** The entry held for `part`, whatever it is for; undefined when none is. */
  peek<P extends StoredPart>(part: P): PartEntry<CachedValues[P]> | undefined {
    return this.entries.get(part) as PartEntry<CachedValues[P]> | undefined;
  }

  /** Holds `entry` for `part` from now on; null drops the part so the next read parses its file. */
  install(part: StoredPart, entry: PartEntry<CachedValues[StoredPart]> | null): void {
    if (entry === null) this.entries.delete(part);
    else this.entries.set(part, entry);
  }

  /** Drops every part: after a failed write some files may be replaced, so nothing held is trusted. */
  forgetAll(): void {
    this.entries.clear();
  }

  /**
   * The rendered user.json when it renders exactly `value`, else null; either way
   * this process holds none until keepRenderedUsers: a failed write must not leave
   * entries ahead of the file.
   */
  takeRenderedUsers(value: UsersFile): RenderedUsersFile | null {
    const held = this.usersText;
    this.usersText = null;
    return held?.forValue === value ? held.rendered : null;
  }

  /** Keeps `rendered` as user.json for `value`, once the file holding it is in place. */
  keepRenderedUsers(value: UsersFile, rendered: RenderedUsersFile): void {
    this.usersText = { forValue: value, rendered };
  }

  /** Every part at the given generations and the stamps of their files now (see load). */
  async loadAll(generations: Generations): Promise<PartEntries> {
    const at = (part: StoredPart) => ({
      generation: generations[PARTS[part].generation],
      stamp: readFileStamp(this.pathOf(PARTS[part].file)),
    });
    const [users, acl, passwordShadow, tokenShadow] = await Promise.all([
      this.load("users", at("users")),
      this.load("acl", at("acl")),
      this.load("passwordShadow", at("passwordShadow")),
      this.load("tokenShadow", at("tokenShadow")),
    ]);
    return { users, acl, passwordShadow, tokenShadow };
  }

  /** One frozen config object per pair of parts, so caches keyed by the object (listing indexes, digests) are shared. */
  configOf(users: UsersFile, acl: readonly AclEntry[]): AccessConfig {
    const last = this.lastConfig;
    if (last !== null && last.users === users && last.acl === acl) return last.config;
    const config = Object.freeze({ users: users.users, tokens: users.tokens, acl: acl as AclEntry[] });
    this.lastConfig = { users, acl, config };
    return config;
  }

  /**
   * I6 on one host: the token ids whose hash changed between `since` and now, from
   * the journal records or, after a full read, a compare of the two maps; whoever
   * changed them (another worker, the CLI, or a hand edit, I3). "Unknown" when this
   * store never held `since`.
   */
  async secretChangesSince(since: string): Promise<SecretChanges> {
    const version = entryKey(await this.load("tokenShadow"));
    const changed = new Set<string>();
    let position = since;
    for (let steps = 0; position !== version; steps += 1) {
      const step = this.secretTransitions.findLast((transition) => transition.from === position);
      if (step === undefined || step.changed === null || steps > this.secretTransitions.length) return { version, changed: null };
      for (const id of step.changed) changed.add(id);
      position = step.to;
    }
    return { version, changed };
  }

  /**
   * A part as of generation `at.generation` and file stamp `at.stamp` (both read now
   * when not given), or newer: the cached value when it is for exactly those; else
   * brought forward by the journal records that account for every step from the
   * cached file to the one on disk; else read and parsed whole (decision 036).
   */
  async load<P extends StoredPart>(part: P, at?: { generation: bigint; stamp: string }): Promise<PartEntry<CachedValues[P]>> {
    const spec = PARTS[part] as PartSpec<PartValues[P]>;
    const path = this.pathOf(spec.file);
    const generation = at?.generation ?? this.generations.read()[spec.generation];
    const stamp = at?.stamp ?? readFileStamp(path);
    if (this.entries.has(part)) {
      const held = this.reuse(part, generation, stamp);
      if (held !== null) return held;
      let records: readonly JournalRecord[] = [];
      try {
        records = await this.journal.refresh();
      } catch {
        // An unreadable journal only costs the full read below.
      }
      const caught = this.catchUp(part, generation, stamp, records);
      if (caught !== null) return caught;
    }
    const snapshot = await readFileSnapshot(path);
    const value: PartValues[P] = snapshot ? parseStoredJson(snapshot.bytes, path, spec.schema, spec.isExactly) : spec.empty();
    const entry: PartEntry<CachedValues[P]> = {
      generation,
      chainGeneration: generation,
      stamp: snapshot ? snapshot.stamp : ABSENT_STAMP,
      value: toCachedValue(part, value),
      text: snapshot ? snapshot.bytes : Buffer.alloc(0),
    };
    this.partLoads.full += 1;
    const previous = this.peek(part);
    if (part === "tokenShadow") {
      const before = previous?.value as Map<string, string> | undefined;
      this.recordSecretTransition(previous, entry, before ? diffHashMaps(before, entry.value as Map<string, string>) : null);
    }
    this.entries.set(part, entry);
    return entry;
  }

  /** Notes that the token hashes went from `from` to `to` changing `changed` (null: not known), for secretChangesSince. */
  recordSecretTransition(from: PartEntry<unknown> | undefined, to: PartEntry<unknown>, changed: Set<string> | null): void {
    if (from === undefined) return;
    this.secretTransitions.push({ from: entryKey(from), to: entryKey(to), changed });
    if (this.secretTransitions.length > SECRET_TRANSITIONS_KEPT) this.secretTransitions.shift();
  }

  /** The cached entry when it holds exactly the part at (generation, stamp), re-keyed if its writer has bumped since. */
  private reuse<P extends StoredPart>(part: P, generation: bigint, stamp: string): PartEntry<CachedValues[P]> | null {
    const cached = this.peek(part);
    if (cached === undefined || cached.stamp !== stamp) return null;
    if (cached.generation === generation) return cached;
    if (cached.chainGeneration !== generation) return null;
    const rekeyed = { ...cached, generation };
    if (part === "tokenShadow") this.recordSecretTransition(cached, rekeyed, new Set());
    this.entries.set(part, rekeyed);
    return rekeyed;
  }

  /** Applies the journal records from the cached entry to (generation, stamp), or null when they do not reach it. */
  private catchUp<P extends StoredPart>(
    part: P,
    generation: bigint,
    stamp: string,
    records: readonly JournalRecord[],
  ): PartEntry<CachedValues[P]> | null {
    // Another caller may have moved the entry while the journal was read.
    const held = this.reuse(part, generation, stamp);
    if (held !== null) return held;
    const cached = this.peek(part);
    if (cached === undefined) return null;
    const plan = planCatchUp(
      part,
      { generation: cached.chainGeneration, identity: stampIdentity(cached.stamp) },
      { generation, identity: stampIdentity(stamp) },
      records,
    );
    if (plan === null || plan.steps.some((step) => step.changes === null)) return null;
    const changed = new Set<string>();
    let value: CachedValues[StoredPart] = cached.value;
    for (const step of plan.steps) {
      const changes = step.changes as JournalChanges;
      const before = value;
      value = applyJournalChanges(part, value, changes, changed);
      // Keep this process's rendered user.json in step, so its next write re-renders only its own records.
      const held = this.usersText;
      if (part === "users" && held?.forValue === before && value !== before) {
        held.rendered.update(changes);
        this.usersText = { forValue: value as UsersFile, rendered: held.rendered };
      }
    }
    const entry: PartEntry<CachedValues[P]> = {
      generation,
      chainGeneration: plan.pending ? generation + 1n : generation,
      stamp,
      value: value as CachedValues[P],
      text: plan.steps.length === 0 ? cached.text : null,
    };
    if (part === "tokenShadow") this.recordSecretTransition(cached, entry, changed);
    this.entries.set(part, entry);
    this.partLoads.journal += 1;
    return entry;
  }
}

function entryKey(entry: PartEntry<unknown>): string {
  return `${entry.generation}/${entry.stamp}`;
}

/** The part's stored text, rendered from the value only when this process neither read nor wrote it (the digest is over bytes). */
export function storedTextOf(entry: PartEntry<UsersFile | readonly AclEntry[]>): Buffer | string {
  entry.text ??= serializePart(entry.value);
  return entry.text;
}

/** A freshly parsed part as it is cached: config parts deep-frozen, hash maps as Maps. */
function toCachedValue<P extends StoredPart>(part: P, value: PartValues[P]): CachedValues[P] {
  if (part === "users") {
    const users = value as UsersFile;
    for (const user of Object.values(users.users)) Object.freeze(user);
    for (const token of Object.values(users.tokens)) Object.freeze(token);
    Object.freeze(users.users);
    Object.freeze(users.tokens);
    return Object.freeze(users) as CachedValues[P];
  }
  if (part === "acl") {
    const acl = value as AclEntry[];
    for (const entry of acl) Object.freeze(entry);
    return Object.freeze(acl) as CachedValues[P];
  }
  return new Map(Object.entries(value as Record<string, string>)) as CachedValues[P];
}

/** One journal record's changes of `part` applied: a new frozen value for config parts, in place for hash maps. */
function applyJournalChanges(
  part: StoredPart,
  value: CachedValues[StoredPart],
  changes: JournalChanges,
  changed: Set<string>,
): CachedValues[StoredPart] {
  switch (part) {
    case "users": {
      if (changes.users.length === 0 && changes.tokens.length === 0) return value;
      const users = value as UsersFile;
      const applied = applyConfigChanges(
        { users: users.users, tokens: users.tokens, acl: [] },
        {
          users: new Map(changes.users),
          tokens: new Map(changes.tokens),
          acl: null,
        },
      );
      return Object.freeze({ users: applied.users, tokens: applied.tokens });
    }
    case "acl":
      return changes.acl === null ? value : Object.freeze(changes.acl.map((entry) => Object.freeze({ ...entry })));
    case "passwordShadow":
    case "tokenShadow": {
      const pairs = part === "tokenShadow" ? changes.tokenHashes : changes.passwordHashes;
      applyHashChanges(value as Map<string, string>, new Map(pairs));
      for (const [id] of pairs) changed.add(id);
      return value;
    }
  }
}

/** Keys added, removed or given another value. */
function diffHashMaps(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): Set<string> {
  const changed = new Set<string>();
  for (const [key, hash] of after) if (before.get(key) !== hash) changed.add(key);
  for (const key of before.keys()) if (!after.has(key)) changed.add(key);
  return changed;
}
