/**
 * PBS identifiers: userids (`name@realm`), token names and authids
 * (`name@realm` or `name@realm!token`), plus the `Authorization: PBSAPIToken`
 * header that carries a token authid and its secret. Every parser here takes
 * untrusted input and returns a Result instead of throwing.
 */
import { err, ok } from "./result.js";
import type { Result } from "./result.js";

/** Lengths are counted in Unicode code points, as PBS counts characters. */
export const USERID_MIN_LENGTH = 3;
export const USERID_MAX_LENGTH = 64;
export const AUTHID_MIN_LENGTH = 3;
export const AUTHID_MAX_LENGTH = 64;
export const REALM_MIN_LENGTH = 2;
export const REALM_MAX_LENGTH = 32;
export const TOKEN_NAME_MAX_LENGTH = 64;

/**
 * An authid is at most 64 code points (up to 256 UTF-16 units) and a token secret
 * is a 36-character UUID, possibly percent-encoded; anything longer is not a
 * token header and is refused before any decoding work.
 */
const API_TOKEN_HEADER_MAX_LENGTH = 1024;

const SAFE_ID = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
/**
 * Whitespace, `:` and `/` are PBS's exclusions. Control, format (bidi overrides,
 * zero-width), private-use, unassigned and lone surrogate code points are refused
 * too, so an id always prints as what it is.
 */
const FORBIDDEN_IN_NAME = /[\s:/\p{C}\p{Z}]/u;
const API_TOKEN_PREFIXES = ["PBSAPIToken=", "PBSAPIToken "] as const;
const API_TOKEN_PREFIX_LENGTH = API_TOKEN_PREFIXES[0].length;

export interface ParsedUserid {
  userid: string;
  name: string;
  realm: string;
}

export interface ParsedAuthid extends ParsedUserid {
  authid: string;
  /** Null for a user authid. */
  tokenName: string | null;
}

export interface ApiTokenCredential {
  authid: string;
  secret: string;
}

/** A PBSAPIToken credential with its authid already split, so the request path parses it once. */
export interface ParsedApiTokenCredential extends ApiTokenCredential {
  userid: string;
  tokenName: string;
}

function countCodePoints(s: string): number {
  let count = 0;
  for (const _ of s) count++;
  return count;
}

function parseRealm(realm: string): Result<string> {
  if (realm.length < REALM_MIN_LENGTH || realm.length > REALM_MAX_LENGTH) {
    return err(`realm must be ${REALM_MIN_LENGTH}-${REALM_MAX_LENGTH} characters`);
  }
  if (!SAFE_ID.test(realm)) return err("realm contains invalid characters");
  return ok(realm);
}

/** Splits at the last `@` without checking the overall length. */
function parseUseridParts(s: string): Result<ParsedUserid> {
  const at = s.lastIndexOf("@");
  if (at < 0) return err("userid must be name@realm");
  const name = s.slice(0, at);
  if (name.length === 0) return err("user name is empty");
  if (FORBIDDEN_IN_NAME.test(name)) return err("user name contains whitespace, ':', '/' or unprintable characters");
  const realm = parseRealm(s.slice(at + 1));
  if (!realm.ok) return realm;
  return ok({ userid: s, name, realm: realm.value });
}

function checkLength(s: string, what: string, min: number, max: number): Result<string> {
  // Cheap bound first: a code point is at most two UTF-16 units.
  if (s.length > max * 2) return err(`${what} must be ${min}-${max} characters`);
  const length = countCodePoints(s);
  if (length < min || length > max) return err(`${what} must be ${min}-${max} characters`);
  return ok(s);
}

export function parseUserid(s: string): Result<ParsedUserid> {
  const length = checkLength(s, "userid", USERID_MIN_LENGTH, USERID_MAX_LENGTH);
  if (!length.ok) return length;
  return parseUseridParts(s);
}

export function parseTokenName(s: string): Result<string> {
  if (s.length === 0 || s.length > TOKEN_NAME_MAX_LENGTH) {
    return err(`token name must be 1-${TOKEN_NAME_MAX_LENGTH} characters`);
  }
  if (!SAFE_ID.test(s)) return err("token name contains invalid characters");
  return ok(s);
}

export function parseAuthid(s: string): Result<ParsedAuthid> {
  const length = checkLength(s, "authid", AUTHID_MIN_LENGTH, AUTHID_MAX_LENGTH);
  if (!length.ok) return length;
  // A `!` before the last `@` belongs to the user name; only one after it starts a token name.
  const at = s.lastIndexOf("@");
  const bang = s.indexOf("!", at + 1);
  if (at < 0 || bang < 0) {
    const user = parseUseridParts(s);
    if (!user.ok) return user;
    return ok({ authid: s, ...user.value, tokenName: null });
  }
  const user = parseUseridParts(s.slice(0, bang));
  if (!user.ok) return user;
  const tokenName = parseTokenName(s.slice(bang + 1));
  if (!tokenName.ok) return tokenName;
  return ok({ authid: s, ...user.value, tokenName: tokenName.value });
}

/** True only for a well-formed token authid (`user@realm!name`). */
export function isTokenAuthid(authid: string): boolean {
  const parsed = parseAuthid(authid);
  return parsed.ok && parsed.value.tokenName !== null;
}

/** A PBSAPIToken header cut at its first `:`, nothing checked yet but the shape. */
export interface SplitApiTokenHeader {
  /** Everything before the first `:`: the authid as sent, not yet parsed. */
  authid: string;
  /** Everything after it: the secret, still percent-encoded. */
  encodedSecret: string;
}

/**
 * Cuts `PBSAPIToken=<authid>:<secret>` (a space may replace `=`) into its two raw
 * parts. Authids hold no `:`, so the first one ends the authid and everything
 * after it is the percent-encoded secret. Neither part is checked here: the
 * authid goes to parseAuthid (or to a caller that parsed the same string before),
 * the secret to decodeApiTokenSecret.
 */
export function splitApiTokenHeader(header: string): Result<SplitApiTokenHeader> {
  if (header.length > API_TOKEN_HEADER_MAX_LENGTH) return err("authorization header is too long");
  // Both prefixes have the same length; no find() callback on the per-request path.
  const prefixed = header.startsWith(API_TOKEN_PREFIXES[0]) || header.startsWith(API_TOKEN_PREFIXES[1]);
  if (!prefixed) return err("authorization header is not a PBSAPIToken");
  const credential = header.slice(API_TOKEN_PREFIX_LENGTH).trim();
  const colon = credential.indexOf(":");
  if (colon < 0) return err("PBSAPIToken must be <authid>:<secret>");
  return ok({ authid: credential.slice(0, colon), encodedSecret: credential.slice(colon + 1) });
}

/** The secret of a split header, percent-decoded; null when the encoding is malformed or the secret empty. */
export function decodeApiTokenSecret(encodedSecret: string): string | null {
  const secret = decodePercentEncoded(encodedSecret);
  return secret === null || secret.length === 0 ? null : secret;
}

/** Parses `PBSAPIToken=<authid>:<secret>`: splitApiTokenHeader, parseAuthid and decodeApiTokenSecret in turn. */
export function parseApiTokenCredential(header: string): Result<ParsedApiTokenCredential> {
  const split = splitApiTokenHeader(header);
  if (!split.ok) return split;
  const authid = parseAuthid(split.value.authid);
  if (!authid.ok) return authid;
  if (authid.value.tokenName === null) return err("PBSAPIToken authid is not a token");
  const secret = decodePercentEncoded(split.value.encodedSecret);
  if (secret === null) return err("PBSAPIToken secret has malformed percent-encoding");
  if (secret.length === 0) return err("PBSAPIToken secret is empty");
  return ok({ authid: authid.value.authid, userid: authid.value.userid, tokenName: authid.value.tokenName, secret });
}

/** parseApiTokenHeader's answer without the split authid: the token's authid and its secret. */
export function parseApiTokenHeader(header: string): Result<ApiTokenCredential> {
  const parsed = parseApiTokenCredential(header);
  return parsed.ok ? ok({ authid: parsed.value.authid, secret: parsed.value.secret }) : parsed;
}

function decodePercentEncoded(s: string): string | null {
  // The usual secret is a bare UUID: nothing to decode, and decodeURIComponent is a measurable part of a cached request.
  if (!s.includes("%")) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}
