/**
 * The file backend's files and their formats: the schemas each file must meet on
 * read, the exact-shape fast checks and the per-record checks of a change. How a
 * change is rendered into file contents is in file-render.ts.
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
 *   changes.jsonl  the change journal: what each mutation changed (change-journal.ts, decision 036)
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { ROLE_IDS } from "../../core/roles.js";
import type { LastUse } from "../last-used.js";
import type { AclEntry, TokenRecord, UserRecord } from "../../core/model.js";
import type { DraftChanges } from "../state-draft.js";

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
  journal: "changes.jsonl",
} as const;

export const SECRET_FILE_MODE = 0o600;
export const PUBLIC_FILE_MODE = 0o644;
export const DATA_DIR_MODE = 0o700;

// --- on-disk shapes -------------------------------------------------------------

/** "__proto__" as a map key would set a prototype instead of an entry. */
export const mapKey = z
  .string()
  .min(1)
  .refine((key) => key !== "__proto__", "reserved key");

export const userRecordSchema = z.object({
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

export const tokenRecordSchema = z.object({
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

export const aclFileSchema = z.array(
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

export interface UsersFile {
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

// --- versions and digests ---------------------------------------------------------

/** Stat stamps of the files behind the versions, shared by the readVersions calls of one event-loop turn. */
export interface VersionStamps {
  tokenShadow: string;
  users: string;
  acl: string;
}

/** SHA-256 over the stored bytes; the NUL separator cannot occur inside JSON text. */
export function computeConfigDigest(usersBytes: string | Uint8Array, aclBytes: string | Uint8Array): string {
  return createHash("sha256").update(usersBytes).update("\0").update(aclBytes).digest("hex");
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

// --- checks and rendering of one change (decision 036) ---------------------------

function invalidChange(file: string, where: string, message: string): TypeError {
  return new TypeError(`mutate produced an invalid ${file} at ${where}: ${message}`);
}

function checkMapKey(file: string, where: string, key: string): void {
  if (!mapKey.safeParse(key).success) throw invalidChange(file, where, "invalid key");
}

function checkRecord<T extends { [k: string]: unknown }>(
  file: string,
  where: string,
  key: string,
  value: unknown,
  isExact: (value: unknown, key: string) => boolean,
  schema: z.ZodType<T>,
  idOf: (value: T) => string,
): T {
  checkMapKey(file, where, key);
  if (isExact(value, key)) return value as T;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String).join(".");
    throw invalidChange(file, path ? `${where}.${path}` : where, issue?.message ?? "invalid");
  }
  if (idOf(parsed.data) !== key) throw invalidChange(file, where, "key does not match the id inside the record");
  return parsed.data;
}

/**
 * The schemas' checks, for the records one change touched: each must be what the store could read back. Returns the changes with
 * records as the schemas return them (unknown fields dropped). A change that fails
 * is a programming error, refused before anything is written.
 */
export function checkDraftChanges(changes: DraftChanges): DraftChanges {
  const users = new Map<string, UserRecord | null>();
  for (const [key, value] of changes.users) {
    users.set(
      key,
      value === null
        ? null
        : checkRecord(STORE_FILES.users, `users.${key}`, key, value, isExactUserRecord, userRecordSchema, (u) => u.userid),
    );
  }
  const tokens = new Map<string, TokenRecord | null>();
  for (const [key, value] of changes.tokens) {
    tokens.set(
      key,
      value === null
        ? null
        : checkRecord(STORE_FILES.users, `tokens.${key}`, key, value, isExactTokenRecord, tokenRecordSchema, (t) => t.tokenid),
    );
  }
  const checkHashes = (file: string, map: ReadonlyMap<string, string | null>): Map<string, string | null> => {
    for (const [key, hash] of map) {
      checkMapKey(file, key, key);
      if (hash !== null && (typeof hash !== "string" || hash.length === 0)) throw invalidChange(file, key, "expected a non-empty string");
    }
    return new Map(map);
  };
  let acl: AclEntry[] | null = null;
  if (changes.acl !== null) {
    const parsed = aclFileSchema.safeParse(changes.acl);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw invalidChange(STORE_FILES.acl, issue?.path.map(String).join(".") ?? "?", issue?.message ?? "invalid");
    }
    acl = parsed.data;
  }
  return {
    users,
    tokens,
    acl,
    tokenHashes: checkHashes(STORE_FILES.tokenShadow, changes.tokenHashes),
    passwordHashes: checkHashes(STORE_FILES.passwordShadow, changes.passwordHashes),
  };
}
