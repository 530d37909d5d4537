/**
 * The embedded file backend: everything lives in one data dir, every write happens
 * under the cross-process store lock, and every file is replaced atomically.
 *
 *   user.json      users and token metadata          (config)
 *   acl.json       ACL entries                       (config)
 *   shadow.json    userid -> password hash           (config: a new password is a config change)
 *   token.shadow   authid -> token secret hash       (secrets)
 *   authkey.key    Ed25519 private key, PEM          authkey.pub  its public key, PEM
 *   csrf.key       base64 of 32 random bytes
 *   generations.bin  the two generation counters    store.lock   the lock directory
 *   audit.jsonl    the audit log, rotated to audit.jsonl.1.. (audit-file-log.ts)
 *   last-used.json id -> last use, outside the generations (last-used.ts)
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { chmod, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { z } from "zod";
import { ROLE_IDS } from "../../core/roles.js";
import { ABSENT_STAMP, readFileSnapshot, readFileStamp, parseStoredJson, removeAtomicTempFiles, writeFileAtomic } from "./atomic-file.js";
import { AuditFileLog } from "./audit-file-log.js";
import type { AuditRetention } from "./audit-file-log.js";
import { toStorableAuditEvent } from "../../core/audit.js";
import type { AuditEvent, AuditPage, AuditQuery } from "../../core/audit.js";
import { StoreCorruptError } from "../../core/errors.js";
import { mergeLastUses } from "../last-used.js";
import type { LastUse } from "../last-used.js";
import { FileGenerationCounter } from "./generation.js";
import type { GenerationCounter, Generations } from "./generation.js";
import type { AccessConfig, AccessState, AclEntry, TokenRecord, UserRecord } from "../../core/model.js";
import type { AccessStore, MutationOptions, SecretChanges, StoredKeys, StoreVersions } from "../store.js";
import { StoreLock } from "./store-lock.js";
import type { HeldLock } from "./store-lock.js";

export const STORE_FILES = {
  users: "user.json",
  acl: "acl.json",
  passwordShadow: "shadow.json",
  tokenShadow: "token.shadow",
  ticketPrivateKey: "authkey.key",
  ticketPublicKey: "authkey.pub",
  csrfKey: "csrf.key",
  generations: "generations.bin",
  lock: "store.lock",
  lastUsed: "last-used.json",
} as const;

const SECRET_FILE_MODE = 0o600;
const PUBLIC_FILE_MODE = 0o644;
const DATA_DIR_MODE = 0o700;
const CSRF_KEY_BYTES = 32;

// --- on-disk shapes -------------------------------------------------------------

/** "__proto__" as a map key would set a prototype instead of an entry. */
const mapKey = z
  .string()
  .min(1)
  .refine((key) => key !== "__proto__", "reserved key");

const userRecordSchema = z.object({
  userid: z.string().min(1),
  enable: z.boolean(),
  expire: z.number().int().nonnegative(),
  comment: z.string().optional(),
  firstname: z.string().optional(),
  lastname: z.string().optional(),
  email: z.string().optional(),
  ticketsNotBefore: z.number().int().nonnegative().optional(),
  created: z.number().int().nonnegative().optional(),
});

const tokenRecordSchema = z.object({
  tokenid: z.string().min(1),
  enable: z.boolean(),
  expire: z.number().int().nonnegative(),
  comment: z.string().optional(),
  created: z.number().int().nonnegative().optional(),
  previousSecretUntil: z.number().int().nonnegative().optional(),
});

/** Each map is keyed by the id inside its record; a mismatch would make lookups lie. */
function keyedBy<T extends z.ZodType>(record: T, idOf: (value: z.infer<T>) => string) {
  return z.record(mapKey, record).superRefine((map, ctx) => {
    for (const [key, value] of Object.entries(map)) {
      if (idOf(value) !== key) {
        ctx.addIssue({ code: "custom", path: [key], message: "key does not match the id inside the record" });
      }
    }
  });
}

const usersFileSchema = z.object({
  users: keyedBy(userRecordSchema, (u) => u.userid),
  tokens: keyedBy(tokenRecordSchema, (t) => t.tokenid),
});

const aclFileSchema = z.array(
  z.object({
    path: z.string().min(1),
    ugid: z.string().min(1),
    roleid: z.enum(ROLE_IDS),
    propagate: z.boolean(),
  }),
);

const hashMapSchema = z.record(mapKey, z.string().min(1));

const lastUsedFileSchema = z.record(mapKey, z.object({ time: z.number().int().nonnegative(), source: z.string().max(256).optional() }));

function safeJsonParse(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
}

interface UsersFile {
  users: Record<string, UserRecord>;
  tokens: Record<string, TokenRecord>;
}

// --- fast shape checks -------------------------------------------------------------
// The zod schemas above cost about 75 ms per 10,000 users and tokens, paid on every
// reload and every write. These checks accept only values the schemas would return
// unchanged (no unknown keys, ids equal to their keys), in a few milliseconds;
// anything else still goes through zod, which then explains what is wrong.

const USER_FIELDS = new Set(["userid", "enable", "expire", "comment", "firstname", "lastname", "email", "ticketsNotBefore", "created"]);
const TOKEN_FIELDS = new Set(["tokenid", "enable", "expire", "comment", "created", "previousSecretUntil"]);
const OPTIONAL_TEXT_FIELDS = ["comment", "firstname", "lastname", "email"] as const;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function hasOnlyKnownFields(value: Record<string, unknown>, known: ReadonlySet<string>): boolean {
  for (const key of Object.keys(value)) if (!known.has(key)) return false;
  return true;
}

function isStoredEpoch(value: unknown): boolean {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function isOptionalEpoch(value: unknown): boolean {
  return value === undefined || isStoredEpoch(value);
}

function isOptionalText(value: unknown): boolean {
  return value === undefined || typeof value === "string";
}

function isExactUserRecord(value: unknown, key: string): boolean {
  if (!isPlainObject(value) || !hasOnlyKnownFields(value, USER_FIELDS)) return false;
  if (value.userid !== key || typeof value.enable !== "boolean" || !isStoredEpoch(value.expire)) return false;
  if (!isOptionalEpoch(value.created) || !isOptionalEpoch(value.ticketsNotBefore)) return false;
  return OPTIONAL_TEXT_FIELDS.every((field) => isOptionalText(value[field]));
}

function isExactTokenRecord(value: unknown, key: string): boolean {
  if (!isPlainObject(value) || !hasOnlyKnownFields(value, TOKEN_FIELDS)) return false;
  return (
    value.tokenid === key &&
    typeof value.enable === "boolean" &&
    isStoredEpoch(value.expire) &&
    isOptionalText(value.comment) &&
    isOptionalEpoch(value.created) &&
    isOptionalEpoch(value.previousSecretUntil)
  );
}

function isExactKeyedMap(value: unknown, isExactEntry: (entry: unknown, key: string) => boolean): boolean {
  if (!isPlainObject(value)) return false;
  for (const key of Object.keys(value)) {
    if (key === "" || key === "__proto__" || !isExactEntry(value[key], key)) return false;
  }
  return true;
}

function isExactUsersFile(value: unknown): value is UsersFile {
  if (!isPlainObject(value) || !hasOnlyKnownFields(value, new Set(["users", "tokens"]))) return false;
  return isExactKeyedMap(value.users, isExactUserRecord) && isExactKeyedMap(value.tokens, isExactTokenRecord);
}

function isExactHashMap(value: unknown): value is Record<string, string> {
  return isExactKeyedMap(value, (hash) => typeof hash === "string" && hash.length > 0);
}

type StoredPart = "users" | "acl" | "passwordShadow" | "tokenShadow";

interface PartSpec<T> {
  file: string;
  schema: z.ZodType<T>;
  /** A fast check that accepts only values `schema` returns unchanged (see above). */
  isExactly?: (value: unknown) => value is T;
  empty: () => T;
  generation: "secrets" | "config";
}

interface PartValues {
  users: UsersFile;
  acl: AclEntry[];
  passwordShadow: Record<string, string>;
  tokenShadow: Record<string, string>;
}

/** Which file holds each part, how it parses, and which generation guards it. */
const PARTS: { [P in StoredPart]: PartSpec<PartValues[P]> } = {
  users: {
    file: STORE_FILES.users,
    schema: usersFileSchema,
    isExactly: isExactUsersFile,
    empty: () => ({ users: {}, tokens: {} }),
    generation: "config",
  },
  acl: { file: STORE_FILES.acl, schema: aclFileSchema, empty: () => [], generation: "config" },
  passwordShadow: {
    file: STORE_FILES.passwordShadow,
    schema: hashMapSchema,
    isExactly: isExactHashMap,
    empty: () => ({}),
    generation: "config",
  },
  tokenShadow: {
    file: STORE_FILES.tokenShadow,
    schema: hashMapSchema,
    isExactly: isExactHashMap,
    empty: () => ({}),
    generation: "secrets",
  },
};

/** Indented and newline-terminated, so a hand edit or a diff stays readable. */
function serializePart(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

// --- parsed-file cache ------------------------------------------------------------

/** Stat stamps of the files behind the versions, shared by the readVersions calls of one event-loop turn. */
interface VersionStamps {
  tokenShadow: string;
  users: string;
  acl: string;
}

interface LoadedPart<T> {
  /** Generation + stamp the value was read under. */
  key: string;
  value: T;
  /** The stored bytes; empty for a missing file. */
  bytes: Buffer;
}

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
  private readonly cache = new Map<StoredPart, LoadedPart<unknown>>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private keys: Promise<StoredKeys> | null = null;
  /** The token hashes as of the last readSecretChanges, which the next one compares against. */
  private secretChangesBase: { version: string; hashes: Record<string, string> } | null = null;
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

  async readConfig(): Promise<{ config: AccessConfig; digest: string; versions: StoreVersions }> {
    return this.track(async () => {
      const versions = this.computeVersions();
      // Parsed afresh and handed over as they are: the caller owns the result (it
      // freezes it), and a config reload happens only when a config file changed, so
      // a cached parse would only have to be deep-copied at the same cost.
      const [users, acl] = await Promise.all([this.loadPartWithBytes("users"), this.loadPartWithBytes("acl")]);
      const config: AccessConfig = { users: users.value.users, tokens: users.value.tokens, acl: acl.value };
      return { config, digest: computeConfigDigest(users.bytes, acl.bytes), versions };
    });
  }

  /**
   * I6 on one host: the token hashes are compared with the copy this store read at
   * `since`, so a process names exactly the tokens whose hash changed, whoever
   * changed them (another worker, the CLI, or a hand edit, I3). Without a copy at
   * `since` (the first call, or two callers interleaving) the answer is "unknown".
   */
  async readSecretChanges(since: string): Promise<SecretChanges> {
    return this.track(async () => {
      const loaded = await this.loadCachedPart("tokenShadow");
      const base = this.secretChangesBase;
      this.secretChangesBase = { version: loaded.key, hashes: loaded.value };
      if (base === null || base.version !== since) return { version: loaded.key, changed: null };
      return { version: loaded.key, changed: diffHashMaps(base.hashes, loaded.value) };
    });
  }

  async readTokenHash(authid: string): Promise<string | undefined> {
    return this.track(async () => readOwn((await this.loadCachedPart("tokenShadow")).value, authid));
  }

  async readPasswordHash(userid: string): Promise<string | undefined> {
    return this.track(async () => readOwn((await this.loadCachedPart("passwordShadow")).value, userid));
  }

  async mutate<T>(change: (state: AccessState) => T, options?: MutationOptions): Promise<{ result: T; versions: StoreVersions }> {
    // Checked before anything is written: a record the log would refuse must not leave its change behind.
    const audit = options?.audit?.map(toStorableAuditEvent);
    return this.track(() =>
      this.lock.run(async (held) => {
        const current = await this.loadStateFresh();
        const draft = structuredClone(current.state);
        const result = change(draft);
        assertSynchronous(result);
        const next = serializeState(draft);
        await this.writeChangedParts(held, current.serialized, next);
        // This process just replaced files: stamps taken earlier in this turn no longer describe them.
        this.stamps = null;
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
    const uses = new Map<string, LastUse>();
    if (!snapshot) return uses;
    const parsed = lastUsedFileSchema.safeParse(safeJsonParse(snapshot.bytes));
    if (!parsed.success) return uses;
    for (const [id, use] of Object.entries(parsed.data))
      uses.set(id, use.source === undefined ? { time: use.time } : { time: use.time, source: use.source });
    return uses;
  }

  async loadOrCreateKeys(): Promise<StoredKeys> {
    this.assertOpen();
    // Memoized: keys never change while the process runs, and concurrent first
    // calls in one process share a single creation.
    this.keys ??= this.track(async () => (await this.readKeys()) ?? (await this.createKeysOnce()));
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

  // --- internals ------------------------------------------------------------------

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

  /**
   * A part's parsed content, re-read only when its generation or file stamp moved.
   * The key is taken before the read, and the stored key uses the stamp of the bytes
   * actually read, so a key never claims content newer than the value it holds.
   */
  private async loadCachedPart<P extends StoredPart>(part: P): Promise<LoadedPart<PartValues[P]>> {
    const spec = PARTS[part] as PartSpec<PartValues[P]>;
    const generation = this.generations.read()[spec.generation];
    const path = this.pathOf(spec.file);
    const cached = this.cache.get(part) as LoadedPart<PartValues[P]> | undefined;
    if (cached && cached.key === `${generation}/${readFileStamp(path)}`) return cached;
    const snapshot = await readFileSnapshot(path);
    const loaded: LoadedPart<PartValues[P]> = snapshot
      ? {
          key: `${generation}/${snapshot.stamp}`,
          value: parseStoredJson(snapshot.bytes, path, spec.schema, spec.isExactly),
          bytes: snapshot.bytes,
        }
      : { key: `${generation}/${ABSENT_STAMP}`, value: spec.empty(), bytes: Buffer.alloc(0) };
    this.cache.set(part, loaded);
    return loaded;
  }

  /** Every part straight from disk, bypassing the cache: the state a mutation builds on. */
  private async loadStateFresh(): Promise<{ state: AccessState; serialized: SerializedState }> {
    const [users, acl, passwordShadow, tokenShadow] = await Promise.all([
      this.loadPartFresh("users"),
      this.loadPartFresh("acl"),
      this.loadPartFresh("passwordShadow"),
      this.loadPartFresh("tokenShadow"),
    ]);
    const state: AccessState = {
      config: { users: users.users, tokens: users.tokens, acl },
      tokenHashes: tokenShadow,
      passwordHashes: passwordShadow,
    };
    return { state, serialized: serializeState(state) };
  }

  private async loadPartWithBytes<P extends StoredPart>(part: P): Promise<{ value: PartValues[P]; bytes: Buffer }> {
    const spec = PARTS[part] as PartSpec<PartValues[P]>;
    const path = this.pathOf(spec.file);
    const snapshot = await readFileSnapshot(path);
    if (!snapshot) return { value: spec.empty(), bytes: Buffer.alloc(0) };
    return { value: parseStoredJson(snapshot.bytes, path, spec.schema, spec.isExactly), bytes: snapshot.bytes };
  }

  private async loadPartFresh<P extends StoredPart>(part: P): Promise<PartValues[P]> {
    const spec = PARTS[part] as PartSpec<PartValues[P]>;
    const path = this.pathOf(spec.file);
    const snapshot = await readFileSnapshot(path);
    return snapshot ? parseStoredJson(snapshot.bytes, path, spec.schema, spec.isExactly) : spec.empty();
  }

  /**
   * Secrets first: a token's hash is written before its metadata on create, and
   * removed before its metadata on delete, so no intermediate state accepts a
   * secret that the finished mutation would reject.
   */
  private async writeChangedParts(held: HeldLock, before: SerializedState, after: SerializedState): Promise<void> {
    const order: StoredPart[] = ["tokenShadow", "passwordShadow", "users", "acl"];
    const changed = order.filter((part) => before[part] !== after[part]);
    if (changed.length === 0) return;
    held.assertHeld();
    for (const part of changed) {
      await writeFileAtomic(this.pathOf(PARTS[part].file), after[part], { mode: SECRET_FILE_MODE });
    }
    if (changed.some((part) => PARTS[part].generation === "secrets")) this.generations.bump("secrets");
    if (changed.some((part) => PARTS[part].generation === "config")) this.generations.bump("config");
  }

  /** The stored keys, or null when any file is missing; a file that does not parse is corrupt. */
  private async readKeys(): Promise<StoredKeys | null> {
    const privatePath = this.pathOf(STORE_FILES.ticketPrivateKey);
    const publicPath = this.pathOf(STORE_FILES.ticketPublicKey);
    const csrfPath = this.pathOf(STORE_FILES.csrfKey);
    const [privatePem, publicPem, csrf] = await Promise.all([
      readFileSnapshot(privatePath),
      readFileSnapshot(publicPath),
      readFileSnapshot(csrfPath),
    ]);
    if (!privatePem || !publicPem || !csrf) return null;
    const ticketPrivateKeyPem = privatePem.bytes.toString("utf8");
    const ticketPublicKeyPem = publicPem.bytes.toString("utf8");
    if (derivePublicKeyPem(ticketPrivateKeyPem, privatePath) !== normalizePem(ticketPublicKeyPem, publicPath)) {
      throw new StoreCorruptError(publicPath, "does not match authkey.key");
    }
    return { ticketPrivateKeyPem, ticketPublicKeyPem, csrfKeyBase64: parseCsrfKey(csrf.bytes, csrfPath) };
  }

  /**
   * Under the lock, re-checks and writes only what is missing: the first process
   * to get the lock creates the keys, every later one finds them.
   */
  private async createKeysOnce(): Promise<StoredKeys> {
    return this.lock.run(async (held) => {
      const privatePath = this.pathOf(STORE_FILES.ticketPrivateKey);
      const publicPath = this.pathOf(STORE_FILES.ticketPublicKey);
      const csrfPath = this.pathOf(STORE_FILES.csrfKey);
      const [privatePem, publicPem, csrf] = await Promise.all([
        readFileSnapshot(privatePath),
        readFileSnapshot(publicPath),
        readFileSnapshot(csrfPath),
      ]);

      let ticketPrivateKeyPem: string;
      let ticketPublicKeyPem: string;
      if (privatePem) {
        // A lone private key (the public half was deleted) keeps every issued ticket valid.
        ticketPrivateKeyPem = privatePem.bytes.toString("utf8");
        ticketPublicKeyPem = derivePublicKeyPem(ticketPrivateKeyPem, privatePath);
        if (publicPem && normalizePem(publicPem.bytes.toString("utf8"), publicPath) !== ticketPublicKeyPem) {
          throw new StoreCorruptError(publicPath, "does not match authkey.key");
        }
      } else {
        const pair = generateKeyPairSync("ed25519", {
          privateKeyEncoding: { type: "pkcs8", format: "pem" },
          publicKeyEncoding: { type: "spki", format: "pem" },
        });
        ticketPrivateKeyPem = pair.privateKey;
        ticketPublicKeyPem = pair.publicKey;
      }
      const csrfKeyBase64 = csrf ? parseCsrfKey(csrf.bytes, csrfPath) : randomBytes(CSRF_KEY_BYTES).toString("base64");

      held.assertHeld();
      if (!privatePem) await writeFileAtomic(privatePath, ticketPrivateKeyPem, { mode: SECRET_FILE_MODE });
      if (!privatePem || !publicPem) await writeFileAtomic(publicPath, ticketPublicKeyPem, { mode: PUBLIC_FILE_MODE });
      if (!csrf) await writeFileAtomic(csrfPath, `${csrfKeyBase64}\n`, { mode: SECRET_FILE_MODE });
      // An existing public file is returned as stored, so every process hands out identical strings.
      const storedPublicPem = publicPem ? publicPem.bytes.toString("utf8") : ticketPublicKeyPem;
      return { ticketPrivateKeyPem, ticketPublicKeyPem: storedPublicPem, csrfKeyBase64 };
    });
  }
}

type SerializedState = Record<StoredPart, string>;

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
 * Validates a state against the on-disk schemas and renders each part. A change
 * that produced something the store could not read back is a programming error,
 * and it fails here, before anything is written.
 */
function serializeState(state: AccessState): SerializedState {
  const render = <T>(part: StoredPart, schema: z.ZodType<T>, value: unknown): string => {
    const isExactly = PARTS[part].isExactly;
    if (isExactly?.(value) === true) return serializePart(value);
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.map(String).join(".") ?? "?";
      throw new TypeError(`mutate produced an invalid ${PARTS[part].file} at ${where}: ${issue?.message ?? "invalid"}`);
    }
    return serializePart(parsed.data);
  };
  return {
    users: render("users", usersFileSchema, { users: state.config.users, tokens: state.config.tokens }),
    acl: render("acl", aclFileSchema, state.config.acl),
    passwordShadow: render("passwordShadow", hashMapSchema, state.passwordHashes),
    tokenShadow: render("tokenShadow", hashMapSchema, state.tokenHashes),
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

/** SHA-256 over the stored bytes; the NUL separator cannot occur inside JSON text. */
function computeConfigDigest(usersBytes: Uint8Array, aclBytes: Uint8Array): string {
  return createHash("sha256").update(usersBytes).update("\0").update(aclBytes).digest("hex");
}

/** Keys added, removed or given another value. */
function diffHashMaps(before: Record<string, string>, after: Record<string, string>): Set<string> {
  const changed = new Set<string>();
  for (const key of Object.keys(after)) if (!Object.hasOwn(before, key) || before[key] !== after[key]) changed.add(key);
  for (const key of Object.keys(before)) if (!Object.hasOwn(after, key)) changed.add(key);
  return changed;
}

function readOwn(map: Record<string, string>, key: string): string | undefined {
  // Own properties only: an authid such as "constructor" must not reach the prototype.
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

function derivePublicKeyPem(privatePem: string, location: string): string {
  let key;
  try {
    key = createPrivateKey(privatePem);
  } catch {
    throw new StoreCorruptError(location, "not a PEM private key");
  }
  if (key.asymmetricKeyType !== "ed25519") throw new StoreCorruptError(location, "not an Ed25519 key");
  return createPublicKey(key).export({ type: "spki", format: "pem" }).toString();
}

function normalizePem(publicPem: string, location: string): string {
  try {
    return createPublicKey(publicPem).export({ type: "spki", format: "pem" }).toString();
  } catch {
    throw new StoreCorruptError(location, "not a PEM public key");
  }
}

function parseCsrfKey(bytes: Buffer, location: string): string {
  const text = bytes.toString("utf8").trim();
  const decoded = Buffer.from(text, "base64");
  if (decoded.length !== CSRF_KEY_BYTES || decoded.toString("base64") !== text) {
    throw new StoreCorruptError(location, `expected base64 of ${CSRF_KEY_BYTES} bytes`);
  }
  return text;
}
