/**
 * The rules a caller's parameters must meet before the facade acts on them. Each
 * check returns the accepted value or throws InvalidParameterError naming the
 * parameter, which the bff answers with 400: bad input never reaches the store.
 */
import { InvalidParameterError } from "./errors.js";
import { parseAuthid, parseTokenName, parseUserid } from "./ids.js";
import { ACL_PATH_MAX_LENGTH, EXPIRE_MAX, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, TEXT_FIELD_MAX_LENGTH } from "./limits.js";

/** Components start like a safe id, so `.` and `..` can never be one. */
const ACL_PATH_COMPONENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** `/` or `/a/b/...`: no empty, `.` or `..` components and no trailing slash. */
export function isValidAclPath(path: string): boolean {
  if (path === "/") return true;
  if (path.length > ACL_PATH_MAX_LENGTH || !path.startsWith("/")) return false;
  return path
    .slice(1)
    .split("/")
    .every((component) => ACL_PATH_COMPONENT.test(component));
}

export { PASSWORD_MAX_LENGTH } from "./limits.js";
/** The free-text properties a caller may set and clear on a user, and on a token. */
export const USER_TEXT_FIELDS = ["comment", "firstname", "lastname", "email"] as const;
export const TOKEN_TEXT_FIELDS = ["comment"] as const;

/**
 * The one rule for characters a single-line text value may not hold (comments,
 * names, email, every single-line API parameter, imported PBS text, CLI output):
 * C0 controls and DEL (line breaks and terminal escapes), C1 controls
 * (U+0080-009F), and the Unicode bidi embeddings, overrides and isolates
 * (U+202A-202E, U+2066-2069), which make text display in another order than it
 * is stored ("Trojan Source", CVE-2021-42574). Every user imports it from here.
 */
// eslint-disable-next-line no-control-regex -- control characters are what is refused
const FORBIDDEN_IN_TEXT = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex -- the same class, to replace every occurrence
const FORBIDDEN_IN_TEXT_ALL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Whether `value` holds a character no single-line text may hold (see FORBIDDEN_IN_TEXT). */
export function hasForbiddenTextCharacter(value: string): boolean {
  return FORBIDDEN_IN_TEXT.test(value);
}

/** `value` with every such character replaced, for showing stored text that may have been hand-edited. */
export function replaceForbiddenTextCharacters(value: string, replacement: string): string {
  return value.replace(FORBIDDEN_IN_TEXT_ALL, replacement);
}

export function invalidParameter(param: string, why: string): InvalidParameterError {
  return new InvalidParameterError(`invalid ${param}: ${why}`, { [param]: why });
}

export function requireUserid(value: string): { userid: string; realm: string } {
  const parsed = parseUserid(value);
  if (!parsed.ok) throw invalidParameter("userid", parsed.error);
  return parsed.value;
}

/** A user or token id given as the `auth-id` parameter, in its canonical form. */
export function requireAuthid(value: string): string {
  const parsed = parseAuthid(value);
  if (!parsed.ok) throw invalidParameter("auth-id", parsed.error);
  return parsed.value.authid;
}

export function requireTokenId(userid: string, tokenName: string): { userid: string; authid: string } {
  const id = requireUserid(userid).userid;
  const name = parseTokenName(tokenName);
  if (!name.ok) throw invalidParameter("token-name", name.error);
  const parsed = parseAuthid(`${id}!${name.value}`);
  if (!parsed.ok) throw invalidParameter("token-name", parsed.error);
  return { userid: id, authid: parsed.value.authid };
}

export function requireAclPath(path: string): string {
  if (!isValidAclPath(path)) throw invalidParameter("path", "not a valid ACL path");
  return path;
}

export function requireExpire(expire: number): number {
  if (!Number.isSafeInteger(expire) || expire < 0 || expire > EXPIRE_MAX) {
    throw invalidParameter("expire", "must be 0 (never) or epoch seconds");
  }
  return expire;
}

export function requirePassword(password: string): void {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    throw invalidParameter("password", `must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`);
  }
}

/** The given text fields, each checked to be one line of bounded length. */
export function requireTextFields<F extends string>(input: Partial<Record<F, string>>, fields: readonly F[]): Partial<Record<F, string>> {
  const out: Partial<Record<F, string>> = {};
  for (const field of fields) {
    const value = input[field];
    if (value === undefined) continue;
    if (value.length > TEXT_FIELD_MAX_LENGTH || hasForbiddenTextCharacter(value)) {
      throw invalidParameter(
        field,
        `must be a single line of at most ${TEXT_FIELD_MAX_LENGTH} characters, without control or bidi override characters`,
      );
    }
    out[field] = value;
  }
  return out;
}

/** The names of a `delete` parameter, each one of the clearable `fields`. */
export function requireDeletable<F extends string>(names: string[] | undefined, fields: readonly F[]): F[] {
  const out: F[] = [];
  for (const name of names ?? []) {
    const field = fields.find((f) => f === name);
    if (field === undefined) throw invalidParameter("delete", `cannot delete property '${name}'`);
    out.push(field);
  }
  return out;
}
