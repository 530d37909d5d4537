/**
 * The file backend's files and their formats: the schemas each file must meet on
 * read, the exact-shape fast checks, and the rendering of a state into file contents.
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
import { createHash } from "node:crypto";
import { z } from "zod";
import { ROLE_IDS } from "../../core/roles.js";
import type { LastUse } from "../last-used.js";
import type { AccessState, AclEntry, TokenRecord, UserRecord } from "../../core/model.js";

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

export const SECRET_FILE_MODE = 0o600;
export const PUBLIC_FILE_MODE = 0o644;
export const DATA_DIR_MODE = 0o700;

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

export type StoredPart = "users" | "acl" | "passwordShadow" | "tokenShadow";

export interface PartSpec<T> {
  file: string;
  schema: z.ZodType<T>;
  /** A fast check that accepts only values `schema` returns unchanged (see above). */
  isExactly?: (value: unknown) => value is T;
  empty: () => T;
  generation: "secrets" | "config";
}

export interface PartValues {
  users: UsersFile;
  acl: AclEntry[];
  passwordShadow: Record<string, string>;
  tokenShadow: Record<string, string>;
}

/** Which file holds each part, how it parses, and which generation guards it. */
export const PARTS: { [P in StoredPart]: PartSpec<PartValues[P]> } = {
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
export function serializePart(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

// --- parsed-file cache ------------------------------------------------------------

/** Stat stamps of the files behind the versions, shared by the readVersions calls of one event-loop turn. */
export interface VersionStamps {
  tokenShadow: string;
  users: string;
  acl: string;
}

export interface LoadedPart<T> {
  /** Generation + stamp the value was read under. */
  key: string;
  value: T;
  /** The stored bytes; empty for a missing file. */
  bytes: Buffer;
}

export type SerializedState = Record<StoredPart, string>;

/**
 * Validates a state against the on-disk schemas and renders each part. A change
 * that produced something the store could not read back is a programming error,
 * and it fails here, before anything is written.
 */
export function serializeState(state: AccessState): SerializedState {
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

/** SHA-256 over the stored bytes; the NUL separator cannot occur inside JSON text. */
export function computeConfigDigest(usersBytes: Uint8Array, aclBytes: Uint8Array): string {
  return createHash("sha256").update(usersBytes).update("\0").update(aclBytes).digest("hex");
}

/** Keys added, removed or given another value. */
export function diffHashMaps(before: Record<string, string>, after: Record<string, string>): Set<string> {
  const changed = new Set<string>();
  for (const key of Object.keys(after)) if (!Object.hasOwn(before, key) || before[key] !== after[key]) changed.add(key);
  for (const key of Object.keys(before)) if (!Object.hasOwn(after, key)) changed.add(key);
  return changed;
}

export function readOwn(map: Record<string, string>, key: string): string | undefined {
  // Own properties only: an authid such as "constructor" must not reach the prototype.
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/** A damaged last-use file loses only last-use times, never access: it reads as empty. */
export function parseLastUsedFile(bytes: Buffer): Map<string, LastUse> {
  const uses = new Map<string, LastUse>();
  const parsed = lastUsedFileSchema.safeParse(safeJsonParse(bytes));
  if (!parsed.success) return uses;
  for (const [id, use] of Object.entries(parsed.data))
    uses.set(id, use.source === undefined ? { time: use.time } : { time: use.time, source: use.source });
  return uses;
}
