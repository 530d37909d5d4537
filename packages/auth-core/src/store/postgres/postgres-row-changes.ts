/**
 * The write side of the row mapping: turning a mutated state or a draft's changes
 * into the rows to write (a record that cannot be stored is a TypeError: a bug in
 * the change), and the canonical row form the config digest is computed from.
 * postgres-rows.ts parses what the database returns.
 */
import { createHash } from "node:crypto";
import type { AccessConfig, AccessState, AclEntry, RoleId, TokenRecord, UserRecord } from "../../core/model.js";
import { ROLE_IDS } from "../../core/roles.js";
import type { DraftChanges } from "../state-draft.js";

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

export const KNOWN_ROLE_IDS: ReadonlySet<string> = new Set<RoleId>(ROLE_IDS);

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

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
