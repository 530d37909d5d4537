/**
 * How the access model maps to PostgreSQL rows and back: parsing what the
 * database returned (a bad row is a StoreCorruptError, never silently dropped).
 * Turning a mutated state into row changes, and the config digest, are in
 * postgres-row-changes.ts.
 */
import { StoreCorruptError } from "../../core/errors.js";
import type { AccessConfig, AccessState, AclEntry, RoleId, TokenRecord, UserRecord } from "../../core/model.js";
import type { DraftChanges } from "../state-draft.js";
import { isObject, KNOWN_ROLE_IDS } from "./postgres-row-changes.js";

export type { StateChanges } from "./postgres-row-changes.js";
export { computeConfigDigest, diffStates, summarizeChanges, toStateChanges } from "./postgres-row-changes.js";

/** The two generation counters of the one `generations` row. */
export interface Generations {
  secrets: bigint;
  config: bigint;
}

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

// ---------------------------------------------------------------- helpers

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
