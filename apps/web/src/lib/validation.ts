/**
 * Checks the forms run before any request, mirroring the server's id rules so most
 * mistakes get a precise message at the field instead of a round trip. The bounds
 * come from the server's own list (auth-core limits.ts).
 */
import {
  AUTHID_MAX_LENGTH,
  PASSWORD_MAX_LENGTH,
  REALM_MAX_LENGTH,
  REALM_MIN_LENGTH,
  USERID_MAX_LENGTH,
  USERID_MIN_LENGTH,
} from "@gatehouse/auth-core/limits";

/** The PBS safe-id pattern, for realms and token names. */
const SAFE_ID = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const USER_NAME_FORBIDDEN = /[\s:/]/;
/**
 * Stricter than the server's minimum (PBS's 5): a password set in the console is
 * new, so it is held to a length worth having.
 */
const CONSOLE_PASSWORD_MIN_LENGTH = 8;

export function validateTokenName(name: string, userid?: string): string | null {
  if (name === "") return "Enter a token name.";
  if (!SAFE_ID.test(name)) {
    return "Token names use letters, digits, '_', '.', '-' and start with a letter, digit or '_'.";
  }
  if (userid !== undefined && `${userid}!${name}`.length > AUTHID_MAX_LENGTH) {
    return `The token id (user!name) may have at most ${AUTHID_MAX_LENGTH} characters.`;
  }
  return null;
}

export function validateUserid(userid: string): string | null {
  if (userid === "") return "Enter a user id such as alice@pbs.";
  const at = userid.lastIndexOf("@");
  if (at <= 0) return "A user id is name@realm, for example alice@pbs.";
  const name = userid.slice(0, at);
  const realm = userid.slice(at + 1);
  if (USER_NAME_FORBIDDEN.test(name)) return "The name part may not contain spaces, ':' or '/'.";
  if (realm.length < REALM_MIN_LENGTH || realm.length > REALM_MAX_LENGTH || !SAFE_ID.test(realm)) {
    return `The realm is ${REALM_MIN_LENGTH} to ${REALM_MAX_LENGTH} letters, digits, '_', '.' or '-'.`;
  }
  if (userid.length < USERID_MIN_LENGTH || userid.length > USERID_MAX_LENGTH) {
    return `A user id has ${USERID_MIN_LENGTH} to ${USERID_MAX_LENGTH} characters.`;
  }
  return null;
}

/** `expire` is epoch seconds, 0 for never; null when the field could not be read. */
export function validateExpiry(expire: number | null, nowS: number): string | null {
  if (expire === null) return "Enter a complete date and time, or choose Never.";
  if (expire !== 0 && expire <= nowS) return "The expiry date is in the past. Pick a future date or a preset.";
  return null;
}

export function validatePassword(password: string, confirmation: string): string | null {
  if (password.length < CONSOLE_PASSWORD_MIN_LENGTH) return `Use at least ${CONSOLE_PASSWORD_MIN_LENGTH} characters.`;
  if (password.length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  if (password !== confirmation) return "The two passwords differ.";
  return null;
}

export function validateAclPath(path: string): string | null {
  if (!path.startsWith("/")) return "A path starts with '/', for example /access/users.";
  if (path.length > 1 && path.endsWith("/")) return "Leave out the trailing '/'.";
  if (/\s|\/\//.test(path)) return "A path has no spaces or empty segments.";
  return null;
}

export function validateEmail(email: string): string | null {
  if (email === "") return null;
  return /^[^\s@]+@[^\s@]+$/.test(email) ? null : "Enter an address like name@example.com, or leave it empty.";
}
