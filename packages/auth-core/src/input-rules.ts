/**
 * The rules a caller's parameters must meet before the facade acts on them. Each
 * check returns the accepted value or throws InvalidParameterError naming the
 * parameter, which the bff answers with 400: bad input never reaches the store.
 */
import { isValidAclPath } from "./acl.js";
import { InvalidParameterError } from "./errors.js";
import { parseAuthid, parseTokenName, parseUserid } from "./ids.js";
import { EXPIRE_MAX, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, TEXT_FIELD_MAX_LENGTH } from "./limits.js";

export { PASSWORD_MAX_LENGTH } from "./limits.js";
/** The free-text properties a caller may set and clear on a user, and on a token. */
export const USER_TEXT_FIELDS = ["comment", "firstname", "lastname", "email"] as const;
export const TOKEN_TEXT_FIELDS = ["comment"] as const;

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
export function requireTextFields<F extends string>(
  input: Partial<Record<F, string>>,
  fields: readonly F[],
): Partial<Record<F, string>> {
  const out: Partial<Record<F, string>> = {};
  for (const field of fields) {
    const value = input[field];
    if (value === undefined) continue;
    // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
    if (value.length > TEXT_FIELD_MAX_LENGTH || /[\u0000-\u001f\u007f]/.test(value)) {
      throw invalidParameter(field, `must be a single line of at most ${TEXT_FIELD_MAX_LENGTH} characters`);
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
