/**
 * Checks the forms run before any request, mirroring the server's id rules so most
 * mistakes get a precise message at the field instead of a round trip.
 */

/** The PBS safe-id pattern, for realms and token names. */
const SAFE_ID = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const USER_NAME_FORBIDDEN = /[\s:/]/;
const ID_MAX_LENGTH = 64;
const ID_MIN_LENGTH = 3;

export function validateTokenName(name: string, userid?: string): string | null {
  if (name === "") return "Enter a token name.";
  if (!SAFE_ID.test(name)) {
    return "Token names use letters, digits, '_', '.', '-' and start with a letter, digit or '_'.";
  }
  if (userid !== undefined && `${userid}!${name}`.length > ID_MAX_LENGTH) {
    return `The token id (user!name) may have at most ${ID_MAX_LENGTH} characters.`;
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
  if (realm.length < 2 || realm.length > 32 || !SAFE_ID.test(realm)) {
    return "The realm is 2 to 32 letters, digits, '_', '.' or '-'.";
  }
  if (userid.length < ID_MIN_LENGTH || userid.length > ID_MAX_LENGTH) {
    return `A user id has ${ID_MIN_LENGTH} to ${ID_MAX_LENGTH} characters.`;
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
  if (password.length < 8) return "Use at least 8 characters.";
  if (password.length > 1024) return "Use at most 1024 characters.";
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
