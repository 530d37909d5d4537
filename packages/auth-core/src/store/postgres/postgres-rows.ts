/**
 * How the access model maps to PostgreSQL rows and back: parsing what the
 * database returned (a bad row is a StoreCorruptError, never silently dropped),
 * turning a mutated state into the row changes to write, and the canonical form
 * the config digest is computed from.
 */
import { createHash } from "node:crypto";
import { StoreCorruptError } from "../../core/errors.js";
import type { AccessConfig, AccessState, AclEntry, RoleId, TokenRecord, UserRecord } from "../../core/model.js";
import { ROLE_IDS } from "../../core/roles.js";
import type { DraftChanges } from "../state-draft.js";

/** The two generation counters of the one `generations` row. */
export interface Generations {
  secrets: bigint;
  config: bigint;
}

/** Row columns in table order; null is SQL NULL for an absent optional field. */
type UserRow = [
  userid: string,
  enable: boolean,
  expire: number,
  comment: string | null,
  firstname: string | null,
  lastname: string | null,
  email: string | null,
  ticketsNotBefore: number,
  created: number | null,
];
type TokenRow = [
  tokenid: string,
  enable: boolean,
  expire: number,
  comment: string | null,
  created: number | null,
  previousSecretUntil: number | null,
];
type AclRow = [path: string, ugid: string, roleid: RoleId, propagate: boolean];

/** What one mutation writes. Empty lists and a null ACL mean "unchanged". */
export interface StateChanges {
  upsertUsers: UserRow[];
  deleteUsers: string[];
  upsertTokens: TokenRow[];
  deleteTokens: string[];
  upsertTokenHashes: [string, string][];
  deleteTokenHashes: string[];
  upsertPasswordHashes: [string, string][];
  deletePasswordHashes: string[];
  /** The whole new ACL when it changed: it is small and ordered, so it is rewritten rather than patched. */
  acl: AclRow[] | null;
}

const KNOWN_ROLE_IDS: ReadonlySet<string> = new Set<RoleId>(ROLE_IDS);
const DECIMAL_PATTERN = /^(0|[1-9][0-9]{0,18})$/;

// ---------------------------------------------------------------- reading rows

/** The `secrets`/`config` text columns of the generations row. */
export function parseGenerationsRow(row: unknown, location: string): Generations {
  if (!isObject(row)) throw new StoreCorruptError(location, "the generations row is missing");
  const { secrets, config } = row;
  if (typeof secrets !== "string" || !DECIMAL_PATTERN.test(secrets)) {
    throw new StoreCorruptError(location, "the secrets generation is not a non-negative integer");
  }
  if (typeof config !== "string" || !DECIMAL_PATTERN.test(config)) {
    throw new StoreCorruptError(location, "the config generation is not a non-negative integer");
  }
  return { secrets: BigInt(secrets), config: BigInt(config) };
}

/** The `users`, `tokens` and `acl` JSON aggregates of the read statements. */
export function parseConfigColumns(row: Record<string, unknown>, schema: string): AccessConfig {
  const config: AccessConfig = { users: {}, tokens: {}, acl: [] };
  for (const raw of expectArray(row.users, `${schema}.users`)) {
    const user = parseUser(raw, `${schema}.users`);
    setOwn(config.users, user.userid, user);
  }
  for (const raw of expectArray(row.tokens, `${schema}.tokens`)) {
    const token = parseToken(raw, `${schema}.tokens`);
    setOwn(config.tokens, token.tokenid, token);
  }
  for (const raw of expectArray(row.acl, `${schema}.acl`)) config.acl.push(parseAclEntry(raw, `${schema}.acl`));
  return config;
}

/** The whole state of a mutation: the config plus both hash tables. */
export function parseStateColumns(row: Record<string, unknown>, schema: string): AccessState {
  return {
    config: parseConfigColumns(row, schema),
    tokenHashes: parseHashPairs(row.token_hashes, `${schema}.token_hashes`),
    passwordHashes: parseHashPairs(row.password_hashes, `${schema}.password_hashes`),
  };
}

function parseUser(raw: unknown, location: string): UserRecord {
  if (!isObject(raw)) throw new StoreCorruptError(location, "a row is not an object");
  const userid = expectString(raw.userid, location, "userid");
  const user: UserRecord = {
    userid,
    enable: expectBoolean(raw.enable, location, `enable of ${userid}`),
    expire: expectEpoch(raw.expire, location, `expire of ${userid}`),
  };
  for (const field of ["comment", "firstname", "lastname", "email"] as const) {
    const value = expectOptionalString(raw[field], location, `${field} of ${userid}`);
    if (value !== undefined) user[field] = value;
  }
  // 0 is the column default: no floor, as for a user created before migration 2.
  const ticketsNotBefore = expectEpoch(raw.tickets_not_before, location, `tickets_not_before of ${userid}`);
  if (ticketsNotBefore > 0) user.ticketsNotBefore = ticketsNotBefore;
  const created = expectOptionalEpoch(raw.created, location, `created of ${userid}`);
  if (created !== undefined) user.created = created;
  return user;
}

function parseToken(raw: unknown, location: string): TokenRecord {
  if (!isObject(raw)) throw new StoreCorruptError(location, "a row is not an object");
  const tokenid = expectString(raw.tokenid, location, "tokenid");
  const token: TokenRecord = {
    tokenid,
    enable: expectBoolean(raw.enable, location, `enable of ${tokenid}`),
    expire: expectEpoch(raw.expire, location, `expire of ${tokenid}`),
  };
  const comment = expectOptionalString(raw.comment, location, `comment of ${tokenid}`);
  if (comment !== undefined) token.comment = comment;
  const created = expectOptionalEpoch(raw.created, location, `created of ${tokenid}`);
  if (created !== undefined) token.created = created;
  const previousSecretUntil = expectOptionalEpoch(raw.previous_secret_until, location, `previous_secret_until of ${tokenid}`);
  if (previousSecretUntil !== undefined) token.previousSecretUntil = previousSecretUntil;
  return token;
}

function parseAclEntry(raw: unknown, location: string): AclEntry {
  if (!isObject(raw)) throw new StoreCorruptError(location, "a row is not an object");
  const roleid = expectString(raw.roleid, location, "roleid");
  if (!KNOWN_ROLE_IDS.has(roleid)) throw new StoreCorruptError(location, `unknown role ${JSON.stringify(roleid)}`);
  return {
    path: expectString(raw.path, location, "path"),
    ugid: expectString(raw.ugid, location, "ugid"),
    roleid: roleid as RoleId,
    propagate: expectBoolean(raw.propagate, location, "propagate"),
  };
}

function parseHashPairs(raw: unknown, location: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of expectArray(raw, location)) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new StoreCorruptError(location, "a row is not a pair");
    const [key, hash] = pair as unknown[];
    // The hash itself is never put into a message.
    setOwn(map, expectString(key, location, "key"), expectString(hash, location, "hash"));
  }
  return map;
}

// ---------------------------------------------------------------- writing rows

/**
 * The rows that differ between the loaded state and the state after a change.
 * Records are compared by their row form, so a change that rebuilds an equal
 * record writes nothing and moves no version. Throws a TypeError for a record
 * that cannot be stored: that is a bug in the change, not untrusted input.
 */
export function diffStates(before: AccessState, after: AccessState): StateChanges {
  const users = diffRecords(before.config.users, after.config.users, toUserRow);
  const tokens = diffRecords(before.config.tokens, after.config.tokens, toTokenRow);
  const tokenHashes = diffRecords(before.tokenHashes, after.tokenHashes, toHashRow);
  const passwordHashes = diffRecords(before.passwordHashes, after.passwordHashes, toHashRow);
  if (!Array.isArray(after.config.acl)) throw new TypeError("mutate: config.acl must be an array");
  const aclBefore = before.config.acl.map(toAclRow);
  const aclAfter = after.config.acl.map(toAclRow);
  return assembleStateChanges(
    users,
    tokens,
    tokenHashes,
    passwordHashes,
    JSON.stringify(aclBefore) === JSON.stringify(aclAfter) ? null : aclAfter,
  );
}

/**
 * The rows to write for a draft's changes (state-draft.ts): the same checks as
 * diffStates, applied only to the keys the change touched.
 */
export function toStateChanges(changes: DraftChanges): StateChanges {
  const split = <V, R>(map: ReadonlyMap<string, V | null>, toRow: (key: string, value: V) => R) => {
    const upserts: R[] = [];
    const deletes: string[] = [];
    for (const [key, value] of map) {
      if (value === null) deletes.push(key);
      else upserts.push(toRow(key, value));
    }
    return { upserts, deletes };
  };
  return assembleStateChanges(
    split(changes.users, toUserRow),
    split(changes.tokens, toTokenRow),
    split(changes.tokenHashes, toHashRow),
    split(changes.passwordHashes, toHashRow),
    changes.acl === null ? null : changes.acl.map(toAclRow),
  );
}

/** Rows to write and keys to delete, per table. */
interface RowChanges<R> {
  upserts: R[];
  deletes: string[];
}

function assembleStateChanges(
  users: RowChanges<StateChanges["upsertUsers"][number]>,
  tokens: RowChanges<StateChanges["upsertTokens"][number]>,
  tokenHashes: RowChanges<StateChanges["upsertTokenHashes"][number]>,
  passwordHashes: RowChanges<StateChanges["upsertPasswordHashes"][number]>,
  acl: StateChanges["acl"],
): StateChanges {
  return {
    upsertUsers: users.upserts,
    deleteUsers: users.deletes,
    upsertTokens: tokens.upserts,
    deleteTokens: tokens.deletes,
    upsertTokenHashes: tokenHashes.upserts,
    deleteTokenHashes: tokenHashes.deletes,
    upsertPasswordHashes: passwordHashes.upserts,
    deletePasswordHashes: passwordHashes.deletes,
    acl,
  };
}

/** The named rows of a partial read (readConfigRows): every id asked for, null when the row is gone. */
export function parseConfigRows(
  row: Record<string, unknown>,
  schema: string,
  asked: { users: readonly string[]; tokens: readonly string[] },
): Pick<DraftChanges, "users" | "tokens" | "acl"> {
  const users = new Map<string, UserRecord | null>(asked.users.map((id) => [id, null]));
  const tokens = new Map<string, TokenRecord | null>(asked.tokens.map((id) => [id, null]));
  for (const raw of expectArray(row.users, `${schema}.users`)) {
    const user = parseUser(raw, `${schema}.users`);
    users.set(user.userid, user);
  }
  for (const raw of expectArray(row.tokens, `${schema}.tokens`)) {
    const token = parseToken(raw, `${schema}.tokens`);
    tokens.set(token.tokenid, token);
  }
  const acl =
    row.acl === null || row.acl === undefined
      ? null
      : expectArray(row.acl, `${schema}.acl`).map((raw) => parseAclEntry(raw, `${schema}.acl`));
  return { users, tokens, acl };
}

/** Token hashes are the secrets generation; everything else, passwords included, is config (I5). */
export function summarizeChanges(changes: StateChanges): { secrets: boolean; config: boolean } {
  return {
    secrets: changes.upsertTokenHashes.length > 0 || changes.deleteTokenHashes.length > 0,
    config:
      changes.upsertUsers.length > 0 ||
      changes.deleteUsers.length > 0 ||
      changes.upsertTokens.length > 0 ||
      changes.deleteTokens.length > 0 ||
      changes.upsertPasswordHashes.length > 0 ||
      changes.deletePasswordHashes.length > 0 ||
      changes.acl !== null,
  };
}

function diffRecords<V, R extends unknown[]>(
  before: Record<string, V>,
  after: Record<string, V>,
  toRow: (key: string, value: V) => R,
): { upserts: R[]; deletes: string[] } {
  if (!isObject(after)) throw new TypeError("mutate: a state map was replaced by a non-object");
  const upserts: R[] = [];
  for (const key of Object.keys(after)) {
    const row = toRow(key, after[key] as V);
    const old = Object.hasOwn(before, key) ? toRow(key, before[key] as V) : null;
    if (old === null || JSON.stringify(old) !== JSON.stringify(row)) upserts.push(row);
  }
  const deletes = Object.keys(before).filter((key) => !Object.hasOwn(after, key));
  return { upserts, deletes };
}

function toUserRow(key: string, user: UserRecord): UserRow {
  const where = `mutate: users[${JSON.stringify(key)}]`;
  if (!isObject(user) || user.userid !== key) throw new TypeError(`${where}: the record's userid must equal its key`);
  return [
    key,
    checkBoolean(user.enable, `${where}.enable`),
    checkEpoch(user.expire, `${where}.expire`),
    checkOptionalString(user.comment, `${where}.comment`),
    checkOptionalString(user.firstname, `${where}.firstname`),
    checkOptionalString(user.lastname, `${where}.lastname`),
    checkOptionalString(user.email, `${where}.email`),
    user.ticketsNotBefore === undefined ? 0 : checkEpoch(user.ticketsNotBefore, `${where}.ticketsNotBefore`),
    user.created === undefined ? null : checkEpoch(user.created, `${where}.created`),
  ];
}

function toTokenRow(key: string, token: TokenRecord): TokenRow {
  const where = `mutate: tokens[${JSON.stringify(key)}]`;
  if (!isObject(token) || token.tokenid !== key) throw new TypeError(`${where}: the record's tokenid must equal its key`);
  return [
    key,
    checkBoolean(token.enable, `${where}.enable`),
    checkEpoch(token.expire, `${where}.expire`),
    checkOptionalString(token.comment, `${where}.comment`),
    token.created === undefined ? null : checkEpoch(token.created, `${where}.created`),
    token.previousSecretUntil === undefined ? null : checkEpoch(token.previousSecretUntil, `${where}.previousSecretUntil`),
  ];
}

function toHashRow(key: string, hash: string): [string, string] {
  if (typeof hash !== "string") throw new TypeError(`mutate: the hash of ${JSON.stringify(key)} must be a string`);
  return [key, hash];
}

function toAclRow(entry: AclEntry, index: number): AclRow {
  const where = `mutate: acl[${index}]`;
  if (!isObject(entry)) throw new TypeError(`${where} must be an object`);
  if (typeof entry.path !== "string" || typeof entry.ugid !== "string") {
    throw new TypeError(`${where}: path and ugid must be strings`);
  }
  if (!KNOWN_ROLE_IDS.has(entry.roleid)) throw new TypeError(`${where}.roleid is not a known role`);
  return [entry.path, entry.ugid, entry.roleid, checkBoolean(entry.propagate, `${where}.propagate`)];
}

function checkBoolean(value: unknown, where: string): boolean {
  if (typeof value !== "boolean") throw new TypeError(`${where} must be a boolean`);
  return value;
}

function checkEpoch(value: unknown, where: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw new TypeError(`${where} must be an integer`);
  return value;
}

function checkOptionalString(value: unknown, where: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw new TypeError(`${where} must be a string`);
  return value;
}

// ---------------------------------------------------------------- digest

/**
 * SHA-256 hex of a canonical serialization of the config: users and tokens
 * sorted by id, each as its row tuple (so field order and absent-vs-undefined do
 * not matter), the ACL in its stored order. Equal configs give equal digests on
 * every node.
 */
export function computeConfigDigest(config: AccessConfig): string {
  const users = Object.keys(config.users)
    .sort(compareCodeUnits)
    .map((key) => toUserRow(key, config.users[key] as UserRecord));
  const tokens = Object.keys(config.tokens)
    .sort(compareCodeUnits)
    .map((key) => toTokenRow(key, config.tokens[key] as TokenRecord));
  const acl = config.acl.map(toAclRow);
  return createHash("sha256")
    .update(JSON.stringify({ v: 1, users, tokens, acl }))
    .digest("hex");
}

/** Locale-independent, so every node sorts alike. */
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------- helpers

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** Defines an own property, so a key such as `__proto__` from the database cannot reach the prototype. */
function setOwn<V>(map: Record<string, V>, key: string, value: V): void {
  Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
}

function expectArray(value: unknown, location: string): unknown[] {
  if (!Array.isArray(value)) throw new StoreCorruptError(location, "the aggregate is not a list");
  return value as unknown[];
}

function expectString(value: unknown, location: string, what: string): string {
  if (typeof value !== "string") throw new StoreCorruptError(location, `${what} is not text`);
  return value;
}

function expectOptionalString(value: unknown, location: string, what: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  return expectString(value, location, what);
}

function expectOptionalEpoch(value: unknown, location: string, what: string): number | undefined {
  return value === null || value === undefined ? undefined : expectEpoch(value, location, what);
}

function expectBoolean(value: unknown, location: string, what: string): boolean {
  if (typeof value !== "boolean") throw new StoreCorruptError(location, `${what} is not a boolean`);
  return value;
}

function expectEpoch(value: unknown, location: string, what: string): number {
  // bigint columns arrive as JSON numbers inside json_agg; beyond 2^53 they would lose precision.
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new StoreCorruptError(location, `${what} is not an integer in the safe range`);
  }
  return value;
}
