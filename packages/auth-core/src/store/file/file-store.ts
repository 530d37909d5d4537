/**
 * The embedded file backend: everything lives in one data dir (the files are listed
 * in file-format.ts), every write happens under the cross-process store lock, and
 * every file is replaced atomically.
 */
import { chmod, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  ABSENT_STAMP,
  parseStoredJson,
  prepareAtomicWrite,
  readFileSnapshot,
  readFileStamp,
  removeAtomicTempFiles,
  stampIdentity,
  writeFileAtomic,
} from "./atomic-file.js";
import type { PreparedWrite } from "./atomic-file.js";
import { FileChangeJournal, planCatchUp } from "./change-journal.js";
import type { JournalChanges, JournalRecord } from "./change-journal.js";
import { AuditFileLog } from "./audit-file-log.js";
import type { AuditRetention } from "./audit-file-log.js";
import { toStorableAuditEvent } from "../../core/audit.js";
import type { AuditEvent, AuditPage, AuditQuery } from "../../core/audit.js";
import { mergeLastUses } from "../last-used.js";
import type { LastUse } from "../last-used.js";
import { FileGenerationCounter } from "./generation.js";
import type { GenerationCounter, Generations } from "./generation.js";
import type { AccessConfig, AccessState, AclEntry } from "../../core/model.js";
import { applyConfigChanges, createStateDraft } from "../state-draft.js";
import { SliceYielder } from "../../guard/cooperative.js";
import type { DraftChanges } from "../state-draft.js";
import type { AccessStore, MutationOptions, SecretChanges, StoredKeys, StoreVersions } from "../store.js";
import { StoreLock } from "./store-lock.js";
import type { HeldLock } from "./store-lock.js";

import {
  applyHashChanges,
  checkDraftChanges,
  computeConfigDigest,
  DATA_DIR_MODE,
  PARTS,
  parseLastUsedFile,
  renderHashMap,
  RenderedUsersFile,
  SECRET_FILE_MODE,
  serializePart,
  STORE_FILES,
} from "./file-format.js";
import type { PartSpec, PartValues, StoredPart, UsersFile, VersionStamps } from "./file-format.js";
import { createStoredKeysOnce, readStoredKeys } from "./file-keys.js";

export { STORE_FILES } from "./file-format.js";

export interface FileStoreOptions {
  dataDir: string;
  /** Longest wait for the store lock before StoreLockTimeoutError. Default 10 s. */
  lockTimeoutMs?: number;
  /** Age after which a lock left by a dead process is broken. Default 5 s, minimum 2 s. */
  lockStaleMs?: number;
  /** Rotation of the audit log; default 16 MiB per file, 4 rotated files kept. */
  auditRetention?: AuditRetention;
}

export async function openFileStore(opts: FileStoreOptions): Promise<FileAccessStore> {
  const dataDir = resolve(opts.dataDir);
  // 0700: the dir holds the ticket signing key and every hash.
  await mkdir(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  // mkdir leaves an existing dir's mode alone; a dir made by hand with 0755 would expose the store (issue 15, finding 10).
  await chmod(dataDir, DATA_DIR_MODE);
  const lock = new StoreLock(join(dataDir, STORE_FILES.lock), {
    ...(opts.lockTimeoutMs === undefined ? {} : { timeoutMs: opts.lockTimeoutMs }),
    ...(opts.lockStaleMs === undefined ? {} : { staleMs: opts.lockStaleMs }),
  });
  const generationsPath = join(dataDir, STORE_FILES.generations);
  await lock.run(async () => {
    // Under the lock no writer is active, so any temp file is a crashed writer's leftover.
    await removeAtomicTempFiles(dataDir);
    await FileGenerationCounter.ensureFile(generationsPath);
  });
  return new FileAccessStore(dataDir, lock, FileGenerationCounter.open(generationsPath), new AuditFileLog(dataDir, opts.auditRetention));
}
export class FileAccessStore implements AccessStore {
  readonly kind = "file" as const;
  private readonly cache = new Map<StoredPart, PartEntry<CachedValues[StoredPart]>>();
  private readonly journal: FileChangeJournal;
  /**
   * How each part was last brought up to date, for tests and metrics: a change made
   * through another store is applied from the journal (decision 036); a hand edit, a
   * first read or a gap in the journal reads and parses the whole file.
   */
  readonly partLoads = { full: 0, journal: 0 };
  /** The token ids whose hash changed between two secrets versions this store held (I6), newest last. */
  private secretTransitions: { from: string; to: string; changed: Set<string> | null }[] = [];
  /** The config object last handed out, so the same parts give the same (frozen, shared) object. */
  private lastConfig: { users: UsersFile; acl: readonly AclEntry[]; config: AccessConfig } | null = null;
  /** user.json as rendered entries, for the users value it renders; built by this process's first write to it. */
  private usersText: { forValue: UsersFile; rendered: RenderedUsersFile } | null = null;
  private readonly inFlight = new Set<Promise<unknown>>();
  private keys: Promise<StoredKeys> | null = null;
  private closed = false;
  /** Null once the event-loop turn that took them is over (docs/decisions/007-stamps-once-per-turn.md). */
  private stamps: VersionStamps | null = null;
  /**
   * The last versions readVersionsThisTurn returned, with what they were made of.
   * Unchanged inputs give back the same strings, so the caches compare them by
   * identity instead of character by character, and nothing is formatted.
   */
  private lastRequestVersions: { generations: Generations; stamps: VersionStamps; versions: StoreVersions } | null = null;
  private readonly forgetStamps = (): void => {
    this.stamps = null;
  };
  // Joined once: readVersions runs on every request and path joining is a measurable part of it.
  private readonly tokenShadowPath: string;
  private readonly usersPath: string;
  private readonly aclPath: string;

  /** Use openFileStore, which prepares the data dir first. */
  constructor(
    readonly dataDir: string,
    private readonly lock: StoreLock,
    private readonly generations: GenerationCounter,
    private readonly auditLog: AuditFileLog = new AuditFileLog(dataDir),
  ) {
    this.tokenShadowPath = this.pathOf(STORE_FILES.tokenShadow);
    this.usersPath = this.pathOf(STORE_FILES.users);
    this.aclPath = this.pathOf(STORE_FILES.acl);
    this.journal = new FileChangeJournal(this.pathOf(STORE_FILES.journal));
  }

  pathOf(file: string): string {
    return join(this.dataDir, file);
  }

  /**
   * The counters file and the stamps of the files behind each part. The generation
   * is read before the stamps: whatever is loaded after this call is at least as new
   * as the versions returned, so a cache filled with it can only be flushed too
   * early, never kept too long.
   */
  readVersions(): StoreVersions {
    this.assertOpen();
    return this.computeVersions();
  }

  /**
   * readVersions for the per-request path. The counters are read on every call:
   * they carry every change made through a store (I1). The stamps only catch
   * out-of-band edits (I3) and are taken at most once per event-loop turn: the
   * requests handled in one turn arrived together, an edit none of them could see
   * is seen from the next turn on, and the three stat calls stop costing every
   * request (docs/decisions/007-stamps-once-per-turn.md).
   */
  readVersionsThisTurn(): StoreVersions {
    this.assertOpen();
    const generations = this.generations.read();
    let stamps = this.stamps;
    if (stamps === null) {
      stamps = this.readStamps();
      this.stamps = stamps;
      // The check phase of this loop iteration, right after the I/O callbacks that share the stamps.
      setImmediate(this.forgetStamps);
    }
    const last = this.lastRequestVersions;
    if (last !== null && isSameGenerations(last.generations, generations) && isSameStamps(last.stamps, stamps)) {
      return last.versions;
    }
    const versions = Object.freeze(formatVersions(generations, stamps));
    this.lastRequestVersions = { generations, stamps, versions };
    return versions;
  }

  /** readVersions without the open check: a mutation that started before close() still finishes. */
  private computeVersions(): StoreVersions {
    const generations = this.generations.read();
    return formatVersions(generations, this.readStamps());
  }

  private readStamps(): VersionStamps {
    return {
      tokenShadow: readFileStamp(this.tokenShadowPath),
      users: readFileStamp(this.usersPath),
      acl: readFileStamp(this.aclPath),
    };
  }

  /**
   * The config as a frozen snapshot shared until a config file changes. A change
   * made through a store is applied from the journal, record by record; anything
   * else reads and parses the files (decision 036). The digest is computed on first use.
   */
  async readConfig(): Promise<{ config: AccessConfig; digest: string; versions: StoreVersions }> {
    return this.track(async () => {
      const generations = this.generations.read();
      const stamps = this.readStamps();
      const versions = formatVersions(generations, stamps);
      const [users, acl] = await Promise.all([
        this.loadPart("users", { generation: generations.config, stamp: stamps.users }),
        this.loadPart("acl", { generation: generations.config, stamp: stamps.acl }),
      ]);
      const config = this.configOf(users.value, acl.value);
      let digest: string | undefined;
      return {
        config,
        get digest() {
          digest ??= computeConfigDigest(textOf(users), textOf(acl));
          return digest;
        },
        versions,
      };
    });
  }

  /**
   * I6 on one host: the token ids whose hash changed between `since` and now, from
   * the journal records or, after a full read, a compare of the two maps; whoever
   * changed them (another worker, the CLI, or a hand edit, I3). "Unknown" when this
   * store never held `since`.
   */
  async readSecretChanges(since: string): Promise<SecretChanges> {
    return this.track(async () => {
      const version = entryKey(await this.loadPart("tokenShadow"));
      const changed = new Set<string>();
      let position = since;
      for (let steps = 0; position !== version; steps += 1) {
        const step = this.secretTransitions.findLast((transition) => transition.from === position);
        if (step === undefined || step.changed === null || steps > this.secretTransitions.length) return { version, changed: null };
        for (const id of step.changed) changed.add(id);
        position = step.to;
      }
      return { version, changed };
    });
  }

  async readTokenHash(authid: string): Promise<string | undefined> {
    return this.track(async () => (await this.loadPart("tokenShadow")).value.get(authid));
  }

  async readPasswordHash(userid: string): Promise<string | undefined> {
    return this.track(async () => (await this.loadPart("passwordShadow")).value.get(userid));
  }

  /**
   * Under the lock: the parts as this process holds them when their files are the
   * ones it last read or wrote, brought forward from the journal otherwise; the
   * change runs on a copy-on-write draft (state-draft.ts), and only the parts it
   * changed are rendered and written. Each new file is written and fsynced beside
   * the old one, the journal names what it will be, then the files are renamed in
   * place (token hashes first) and the generations bumped (decision 036).
   */
  async mutate<T>(change: (state: AccessState) => T, options?: MutationOptions): Promise<{ result: T; versions: StoreVersions }> {
    // Checked before anything is written: a record the log would refuse must not leave its change behind.
    const audit = options?.audit?.map(toStorableAuditEvent);
    return this.track(() =>
      this.lock.run(async (held) => {
        const generations = this.generations.read();
        const entries = await this.loadAllParts(generations);
        const base = this.configOf(entries.users.value, entries.acl.value);
        const draft = createStateDraft(base, {
          tokenHashes: { rows: entries.tokenShadow.value, complete: true },
          passwordHashes: { rows: entries.passwordShadow.value, complete: true },
        });
        const result = change(draft.state);
        assertSynchronous(result);
        const changes = checkDraftChanges(draft.readChanges());
        await this.writeChanges(held, generations, entries, changes);
        await this.appendAuditHeld(held, audit);
        return { result, versions: this.computeVersions() };
      }),
    );
  }

  /**
   * After every file of the change: a crash before this line leaves a change without
   * its record but never acknowledged; a crash after it leaves both (decision 030).
   */
  private async appendAuditHeld(held: HeldLock, events: readonly AuditEvent[] | undefined): Promise<void> {
    if (events === undefined || events.length === 0) return;
    held.assertHeld();
    await this.auditLog.rotateIfDue();
    await this.auditLog.append(events);
  }

  async appendAudit(events: readonly AuditEvent[]): Promise<void> {
    await this.track(async () => {
      const size = await this.auditLog.append(events);
      if (this.auditLog.isDueForRotation(size)) await this.lock.run(() => this.auditLog.rotateIfDue());
    });
  }

  async readAudit(query: AuditQuery): Promise<AuditPage> {
    return this.track(() => this.auditLog.read(query));
  }

  async recordLastUsed(uses: ReadonlyMap<string, LastUse>): Promise<void> {
    if (uses.size === 0) return;
    await this.track(() =>
      this.lock.run(async (held) => {
        const merged = await this.readLastUsedFile();
        mergeLastUses(merged, uses);
        held.assertHeld();
        await writeFileAtomic(this.pathOf(STORE_FILES.lastUsed), serializePart(Object.fromEntries(merged)), { mode: SECRET_FILE_MODE });
      }),
    );
  }

  async readLastUsed(): Promise<ReadonlyMap<string, LastUse>> {
    return this.track(() => this.readLastUsedFile());
  }

  /** A damaged last-use file loses only last-use times, never access: it reads as empty. */
  private async readLastUsedFile(): Promise<Map<string, LastUse>> {
    const snapshot = await readFileSnapshot(this.pathOf(STORE_FILES.lastUsed));
    return snapshot ? parseLastUsedFile(snapshot.bytes) : new Map<string, LastUse>();
  }

  async loadOrCreateKeys(): Promise<StoredKeys> {
    this.assertOpen();
    // Memoized: keys never change while the process runs, and concurrent first
    // calls in one process share a single creation.
    this.keys ??= this.track(async () => (await readStoredKeys(this.dataDir)) ?? (await createStoredKeysOnce(this.dataDir, this.lock)));
    try {
      return { ...(await this.keys) };
    } catch (error) {
      this.keys = null;
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Let started mutations finish: the lock must be released and the bumps done.
    await Promise.allSettled([...this.inFlight]);
    this.generations.close();
    this.cache.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`FileAccessStore: the store in ${this.dataDir} is closed`);
  }

  private async track<R>(operation: () => Promise<R>): Promise<R> {
    this.assertOpen();
    const promise = operation();
    this.inFlight.add(promise);
    try {
      return await promise;
    } finally {
      this.inFlight.delete(promise);
    }
  }

  private async loadAllParts(generations: Generations): Promise<{ [P in StoredPart]: PartEntry<CachedValues[P]> }> {
    const at = (part: StoredPart) => ({
      generation: generations[PARTS[part].generation],
      stamp: readFileStamp(this.pathOf(PARTS[part].file)),
    });
    const [users, acl, passwordShadow, tokenShadow] = await Promise.all([
      this.loadPart("users", at("users")),
      this.loadPart("acl", at("acl")),
      this.loadPart("passwordShadow", at("passwordShadow")),
      this.loadPart("tokenShadow", at("tokenShadow")),
    ]);
    return { users, acl, passwordShadow, tokenShadow };
  }

  /** One frozen config object per pair of parts, so caches keyed by the object (listing indexes, digests) are shared. */
  private configOf(users: UsersFile, acl: readonly AclEntry[]): AccessConfig {
    const last = this.lastConfig;
    if (last !== null && last.users === users && last.acl === acl) return last.config;
    const config = Object.freeze({ users: users.users, tokens: users.tokens, acl: acl as AclEntry[] });
    this.lastConfig = { users, acl, config };
    return config;
  }

  /**
   * A part as of generation `at.generation` and file stamp `at.stamp` (both read now
   * when not given), or newer: the cached value when it is for exactly those; else
   * brought forward by the journal records that account for every step from the
   * cached file to the one on disk; else read and parsed whole (decision 036).
   */
  private async loadPart<P extends StoredPart>(part: P, at?: { generation: bigint; stamp: string }): Promise<PartEntry<CachedValues[P]>> {
    const spec = PARTS[part] as PartSpec<PartValues[P]>;
    const path = this.pathOf(spec.file);
    const generation = at?.generation ?? this.generations.read()[spec.generation];
    const stamp = at?.stamp ?? readFileStamp(path);
    if (this.cache.has(part)) {
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
    const previous = this.cache.get(part) as PartEntry<CachedValues[P]> | undefined;
    if (part === "tokenShadow") {
      const before = previous?.value as Map<string, string> | undefined;
      this.recordSecretTransition(previous, entry, before ? diffHashMaps(before, entry.value as Map<string, string>) : null);
    }
    this.cache.set(part, entry);
    return entry;
  }

  /** The cached entry when it holds exactly the part at (generation, stamp), re-keyed if its writer has bumped since. */
  private reuse<P extends StoredPart>(part: P, generation: bigint, stamp: string): PartEntry<CachedValues[P]> | null {
    const cached = this.cache.get(part) as PartEntry<CachedValues[P]> | undefined;
    if (cached === undefined || cached.stamp !== stamp) return null;
    if (cached.generation === generation) return cached;
    if (cached.chainGeneration !== generation) return null;
    const rekeyed = { ...cached, generation };
    if (part === "tokenShadow") this.recordSecretTransition(cached, rekeyed, new Set());
    this.cache.set(part, rekeyed);
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
    const cached = this.cache.get(part) as PartEntry<CachedValues[P]> | undefined;
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
    this.cache.set(part, entry);
    this.partLoads.journal += 1;
    return entry;
  }

  private recordSecretTransition(from: PartEntry<unknown> | undefined, to: PartEntry<unknown>, changed: Set<string> | null): void {
    if (from === undefined) return;
    this.secretTransitions.push({ from: entryKey(from), to: entryKey(to), changed });
    if (this.secretTransitions.length > SECRET_TRANSITIONS_KEPT) this.secretTransitions.shift();
  }

  /**
   * Writes what `changes` touched (decision 036). The files are prepared first, the
   * journal names them, then they are renamed: secrets first, so a token's hash is
   * in place before its metadata on create, and gone before it on delete, and no
   * intermediate state accepts a secret the finished mutation would reject.
   */
  private async writeChanges(
    held: HeldLock,
    generations: Generations,
    entries: { [P in StoredPart]: PartEntry<CachedValues[P]> },
    changes: DraftChanges,
  ): Promise<void> {
    const next: { [P in StoredPart]?: { value: CachedValues[P]; text: string } } = {};
    // Rendering 10,000 records is tens of milliseconds: in slices, so the requests this worker serves meanwhile are answered.
    const yielder = new SliceYielder(RENDER_SLICE_MS);
    let renderedUsers: RenderedUsersFile | null = null;
    if (changes.tokenHashes.size > 0) {
      next.tokenShadow = {
        value: entries.tokenShadow.value,
        text: await renderHashMap(entries.tokenShadow.value, changes.tokenHashes, yielder),
      };
    }
    if (changes.passwordHashes.size > 0) {
      next.passwordShadow = {
        value: entries.passwordShadow.value,
        text: await renderHashMap(entries.passwordShadow.value, changes.passwordHashes, yielder),
      };
    }
    if (changes.users.size > 0 || changes.tokens.size > 0) {
      const applied = applyConfigChanges(
        { users: entries.users.value.users, tokens: entries.users.value.tokens, acl: [] },
        { users: changes.users, tokens: changes.tokens, acl: null },
      );
      const value: UsersFile = Object.freeze({ users: applied.users, tokens: applied.tokens });
      const held = this.usersText;
      const rendered = held?.forValue === entries.users.value ? held.rendered : await RenderedUsersFile.build(entries.users.value, yielder);
      // Taken now and given back once the file is in place: a failed write must not leave entries ahead of the file.
      this.usersText = null;
      rendered.update({ users: changes.users, tokens: changes.tokens });
      next.users = { value, text: await rendered.render(yielder) };
      renderedUsers = rendered;
    }
    if (changes.acl !== null) {
      const value = Object.freeze(changes.acl.map((entry) => Object.freeze({ ...entry })));
      next.acl = { value, text: serializePart(value) };
    }
    const written = WRITE_ORDER.filter((part) => next[part] !== undefined);
    if (written.length === 0) return;
    held.assertHeld();
    const prepared = new Map<StoredPart, PreparedWrite>();
    try {
      for (const part of written) {
        prepared.set(part, await prepareAtomicWrite(this.pathOf(PARTS[part].file), next[part]?.text ?? "", { mode: SECRET_FILE_MODE }));
      }
      const bumpsSecrets = written.some((part) => PARTS[part].generation === "secrets");
      const bumpsConfig = written.some((part) => PARTS[part].generation === "config");
      const after: Generations = {
        secrets: generations.secrets + (bumpsSecrets ? 1n : 0n),
        config: generations.config + (bumpsConfig ? 1n : 0n),
      };
      const files = {} as JournalRecord["files"];
      for (const part of WRITE_ORDER) {
        const before = stampIdentity(entries[part].stamp);
        files[part] = { before, after: prepared.get(part)?.identity ?? before };
      }
      await this.journal.append({ before: generations, after, files, changes: toJournalChanges(changes) });
      for (const part of written) await prepared.get(part)?.commit();
      if (bumpsSecrets) this.generations.bump("secrets");
      if (bumpsConfig) this.generations.bump("config");
    } catch (error) {
      for (const write of prepared.values()) await write.abort();
      // Some files may be replaced: read them again rather than trust what this process holds.
      this.cache.clear();
      throw error;
    }
    // This process just replaced files: stamps taken earlier in this turn no longer describe them.
    this.stamps = null;
    if (renderedUsers !== null && next.users !== undefined) this.usersText = { forValue: next.users.value, rendered: renderedUsers };
    const bumped = this.generations.read();
    if (changes.tokenHashes.size > 0) applyHashChanges(entries.tokenShadow.value, changes.tokenHashes);
    if (changes.passwordHashes.size > 0) applyHashChanges(entries.passwordShadow.value, changes.passwordHashes);
    for (const part of WRITE_ORDER) {
      const entry = entries[part] as PartEntry<CachedValues[StoredPart]>;
      const generation = bumped[PARTS[part].generation];
      const update = next[part] as { value: CachedValues[StoredPart]; text: string } | undefined;
      let installed: PartEntry<CachedValues[StoredPart]> | null;
      if (update === undefined) {
        installed = { ...entry, generation, chainGeneration: generation };
      } else {
        const stamp = readFileStamp(this.pathOf(PARTS[part].file));
        // Edited by hand in the instant since the rename: let the next read parse it.
        installed =
          stampIdentity(stamp) === prepared.get(part)?.identity
            ? { generation, chainGeneration: generation, stamp, value: update.value, text: update.text }
            : null;
      }
      if (part === "tokenShadow") {
        if (installed !== null) this.recordSecretTransition(entry, installed, new Set(changes.tokenHashes.keys()));
        // A read during the renames may already have moved the entry to the new file: it holds the same content.
        const current = this.cache.get(part);
        if (installed !== null && current !== undefined && current !== entry && current.stamp === installed.stamp) {
          this.recordSecretTransition(current, installed, new Set());
        }
      }
      if (installed === null) this.cache.delete(part);
      else this.cache.set(part, installed);
    }
  }
}

/** Rendering slices are shorter than the cooperative default: they run beside cached-token requests at every mutation. */
const RENDER_SLICE_MS = 4;
/** Renamed in this order: secrets first (see writeChanges). */
const WRITE_ORDER: readonly StoredPart[] = ["tokenShadow", "passwordShadow", "users", "acl"];
/** Enough for every catch-up of the secret cache: each one asks from the version the previous one reached. */
const SECRET_TRANSITIONS_KEPT = 64;

/** What this process holds of each part: config parts frozen and shared, hash maps updated in place under the lock. */
interface CachedValues {
  users: UsersFile;
  acl: readonly AclEntry[];
  passwordShadow: Map<string, string>;
  tokenShadow: Map<string, string>;
}

/** A part as this process holds it. */
interface PartEntry<T> {
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

function entryKey(entry: PartEntry<unknown>): string {
  return `${entry.generation}/${entry.stamp}`;
}

function textOf(entry: PartEntry<UsersFile | readonly AclEntry[]>): Buffer | string {
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

function toJournalChanges(changes: DraftChanges): JournalChanges {
  return {
    users: [...changes.users],
    tokens: [...changes.tokens],
    acl: changes.acl,
    tokenHashes: [...changes.tokenHashes],
    passwordHashes: [...changes.passwordHashes],
  };
}

/** Keys added, removed or given another value. */
function diffHashMaps(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): Set<string> {
  const changed = new Set<string>();
  for (const [key, hash] of after) if (before.get(key) !== hash) changed.add(key);
  for (const key of before.keys()) if (!after.has(key)) changed.add(key);
  return changed;
}

function isSameGenerations(a: Generations, b: Generations): boolean {
  return a === b || (a.secrets === b.secrets && a.config === b.config);
}

function isSameStamps(a: VersionStamps, b: VersionStamps): boolean {
  return a === b || (a.tokenShadow === b.tokenShadow && a.users === b.users && a.acl === b.acl);
}

function formatVersions(generations: Generations, stamps: VersionStamps): StoreVersions {
  return {
    secrets: `${generations.secrets}/${stamps.tokenShadow}`,
    config: `${generations.config}/${stamps.users}/${stamps.acl}`,
  };
}

/**
 * A change runs under the lock and its draft is written as soon as it returns: edits
 * made after an await inside it would be silently lost, so a promise is refused.
 */
function assertSynchronous(result: unknown): void {
  if (typeof (result as { then?: unknown } | null)?.then === "function") {
    throw new TypeError("mutate: the change must be synchronous; do async work (such as hashing) before mutate");
  }
}
