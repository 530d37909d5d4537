/**
 * The embedded file backend: everything lives in one data dir (the files are listed
 * in file-format.ts), every write happens under the cross-process store lock, and
 * every file is replaced atomically. This class answers the AccessStore contract and
 * owns the versions; the parts it holds are in part-cache.ts and the write path of
 * mutate in file-mutation.ts (decision 036).
 */
import { chmod, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { readFileSnapshot, readFileStamp, removeAtomicTempFiles, writeFileAtomic } from "./atomic-file.js";
import { FileChangeJournal } from "./change-journal.js";
import { AuditFileLog } from "./audit-file-log.js";
import type { AuditRetention } from "./audit-file-log.js";
import { toStorableAuditEvent } from "../../core/audit.js";
import type { AuditEvent, AuditPage, AuditQuery } from "../../core/audit.js";
import { mergeLastUses } from "../last-used.js";
import type { LastUse } from "../last-used.js";
import { FileGenerationCounter } from "./generation.js";
import type { GenerationCounter, Generations } from "./generation.js";
import type { AccessConfig, AccessState } from "../../core/model.js";
import type { AccessStore, MutationOptions, SecretChanges, StoredKeys, StoreVersions } from "../store.js";
import { StoreLock } from "./store-lock.js";
import type { HeldLock } from "./store-lock.js";
import { computeConfigDigest, DATA_DIR_MODE, parseLastUsedFile, SECRET_FILE_MODE, serializePart, STORE_FILES } from "./file-format.js";
import type { VersionStamps } from "./file-format.js";
import { createStoredKeysOnce, readStoredKeys } from "./file-keys.js";
import { FileMutationWriter } from "./file-mutation.js";
import { FilePartCache, storedTextOf } from "./part-cache.js";

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
  private readonly parts: FilePartCache;
  private readonly writer: FileMutationWriter;
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
    const journal = new FileChangeJournal(this.pathOf(STORE_FILES.journal));
    const pathOf = (file: string) => this.pathOf(file);
    this.parts = new FilePartCache(pathOf, generations, journal);
    // The renames make stamps taken earlier in this turn stale.
    this.writer = new FileMutationWriter(this.parts, journal, generations, pathOf, this.forgetStamps);
  }

  /** How each part was last brought up to date, full read or journal (FilePartCache.partLoads). */
  get partLoads(): { readonly full: number; readonly journal: number } {
    return this.parts.partLoads;
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
        this.parts.load("users", { generation: generations.config, stamp: stamps.users }),
        this.parts.load("acl", { generation: generations.config, stamp: stamps.acl }),
      ]);
      const config = this.parts.configOf(users.value, acl.value);
      let digest: string | undefined;
      return {
        config,
        get digest() {
          digest ??= computeConfigDigest(storedTextOf(users), storedTextOf(acl));
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
    return this.track(() => this.parts.secretChangesSince(since));
  }

  async readTokenHash(authid: string): Promise<string | undefined> {
    return this.track(async () => (await this.parts.load("tokenShadow")).value.get(authid));
  }

  async readPasswordHash(userid: string): Promise<string | undefined> {
    return this.track(async () => (await this.parts.load("passwordShadow")).value.get(userid));
  }

  /**
   * Under the lock: the change runs on a copy-on-write draft of the parts and only
   * the parts it changed are written (FileMutationWriter, decision 036), then the
   * audit records are appended.
   */
  async mutate<T>(change: (state: AccessState) => T, options?: MutationOptions): Promise<{ result: T; versions: StoreVersions }> {
    // Checked before anything is written: a record the log would refuse must not leave its change behind.
    const audit = options?.audit?.map(toStorableAuditEvent);
    return this.track(() =>
      this.lock.run(async (held) => {
        const result = await this.writer.apply(held, change);
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
    this.parts.forgetAll();
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
