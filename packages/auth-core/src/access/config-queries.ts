/**
 * Questions the facade asks of an AccessConfig: who is active, who owns what, which
 * ACL paths exist. Pure functions of the config (and the clock reading passed in),
 * so the permission checks and the hot path agree on one answer.
 */
import type { Privilege } from "../core/roles.js";
import type { AuthContext, TokenView } from "./types.js";
import { NotFoundError } from "../core/errors.js";
import { isTokenAuthid } from "../core/ids.js";
import type { AccessConfig, AccessState, TokenRecord, UserRecord } from "../core/model.js";
import { TICKET_MAX_SKEW_S } from "../crypto/ticket.js";
import { readTokenRecord, readUserRecord } from "../store/config-layers.js";

function isLive(record: { enable: boolean; expire: number }, nowS: number): boolean {
  return record.enable && (record.expire === 0 || record.expire > nowS);
}

export function isUserActive(config: AccessConfig, userid: string, nowS: number): boolean {
  // Through the layers of a PostgreSQL snapshot, never its flat map (config-layers.ts).
  const user = readUserRecord(config, userid);
  return user !== undefined && isLive(user, nowS);
}

/**
 * The "tickets not before" time that ends every ticket issued up to now (issue 15,
 * finding 7). Tickets carry whole seconds, so a ticket of this very second cannot be
 * told from one issued a moment later: the floor is the next second, and a login in
 * this second is dated at that floor instead (ticketTimeFor).
 */
export function sessionsEndedAt(nowS: number): number {
  return nowS + 1;
}

/**
 * The time a new ticket of `userid` carries: now, or the user's floor when that is
 * still ahead (sessions ended within this second), so the new ticket stands. Never
 * more than the ticket format's clock-skew allowance ahead.
 */
export function ticketTimeFor(config: AccessConfig, userid: string, nowS: number): number {
  const floor = readUserRecord(config, userid)?.ticketsNotBefore ?? 0;
  return floor > nowS && floor <= nowS + TICKET_MAX_SKEW_S ? floor : nowS;
}

/** A ticket issued at `issuedAt` still stands: its user is active and did not end its sessions since (issue 15, finding 7). */
export function isTicketLive(config: AccessConfig, userid: string, issuedAt: number, nowS: number): boolean {
  const user = readUserRecord(config, userid);
  return user !== undefined && isLive(user, nowS) && issuedAt >= (user.ticketsNotBefore ?? 0);
}

/** The token and its owning user both exist, are enabled and have not expired. */
export function isTokenActive(config: AccessConfig, token: AuthContext, nowS: number): boolean {
  const record = readTokenRecord(config, token.authid);
  return record !== undefined && isLive(record, nowS) && isUserActive(config, token.userid, nowS);
}

/**
 * The user part of a token id. Neither a realm nor a token name may contain `!`,
 * so the last `!` is the separator even when the user name holds one.
 */
export function ownerOfTokenId(tokenid: string): string {
  return tokenid.slice(0, tokenid.lastIndexOf("!"));
}

/** The user an ACL subject belongs to: itself, or a token's owner. */
export function ownerOfUgid(ugid: string): string {
  return isTokenAuthid(ugid) ? ownerOfTokenId(ugid) : ugid;
}

/** A user as the API shows it: the PBS fields, without internal bookkeeping. */
export function toUserView(user: UserRecord): UserRecord {
  // `created` is an extension field: the extended listings add it back (issue 14).
  const { ticketsNotBefore: _internal, created: _extension, ...view } = user;
  return view;
}

/** A token as PBS shows it; the extension fields (created, overlap) appear only in extended listings. */
export function toTokenView(token: TokenRecord): TokenView {
  const { created: _created, previousSecretUntil: _overlap, ...pbsFields } = token;
  return { ...pbsFields, "token-name": token.tokenid.slice(token.tokenid.lastIndexOf("!") + 1) };
}

export function requireUser(config: AccessConfig, userid: string): UserRecord {
  const user = readUserRecord(config, userid);
  if (user === undefined) throw new NotFoundError(`no such user '${userid}'`);
  return user;
}

export function requireToken(config: AccessConfig, tokenid: string): TokenRecord {
  const token = readTokenRecord(config, tokenid);
  if (token === undefined) throw new NotFoundError(`no such token '${tokenid}'`);
  return token;
}

export function requireAuthidExists(config: AccessConfig, authid: string): void {
  if (isTokenAuthid(authid)) requireToken(config, authid);
  else requireUser(config, authid);
}

/** A deleted token takes its secret hash and its ACL entries with it, so a later token of the same name inherits nothing. */
export function deleteTokenFromState(state: AccessState, tokenid: string): void {
  delete state.config.tokens[tokenid];
  delete state.tokenHashes[tokenid];
  state.config.acl = state.config.acl.filter((entry) => entry.ugid !== tokenid);
}

/** `exact` selects one path; otherwise the path and everything below it. */
export function isAclPathSelected(entryPath: string, path: string, exact: boolean): boolean {
  if (entryPath === path) return true;
  if (exact) return false;
  return path === "/" || entryPath.startsWith(`${path}/`);
}

/** One's own permissions, and a user's view of its own tokens, need no audit right. */
export function canSeePermissionsOf(actor: AuthContext, authid: string): boolean {
  if (authid === actor.authid) return true;
  return actor.tokenName === null && isTokenAuthid(authid) && ownerOfTokenId(authid) === actor.userid;
}

export function privilegesToRecord(privileges: Map<Privilege, boolean>): Record<string, boolean> {
  const record: Record<string, boolean> = {};
  for (const [privilege, propagate] of [...privileges].sort(([a], [b]) => compareStrings(a, b))) {
    record[privilege] = propagate;
  }
  return record;
}

/** Structural equality independent of key order, for the digest re-check under the lock. */
export function isSameConfig(a: AccessConfig, b: AccessConfig): boolean {
  return stringifyCanonically(a) === stringifyCanonically(b);
}

function stringifyCanonically(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
    return sorted;
  });
}

/** Code-unit order, independent of the locale, so listings sort the same on every node. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
