/**
 * The bounds of the fields a caller sets: one source for auth-core's checks, the
 * bff's request schemas, the CLI and the console's forms. Pure (its only import is
 * ids.ts), so the console can bundle it as "@gatehouse/auth-core/limits". The id
 * lengths live beside the id parsers in ids.ts and are re-exported here.
 */
export {
  AUTHID_MAX_LENGTH,
  AUTHID_MIN_LENGTH,
  REALM_MAX_LENGTH,
  REALM_MIN_LENGTH,
  TOKEN_NAME_MAX_LENGTH,
  USERID_MAX_LENGTH,
  USERID_MIN_LENGTH,
} from "./ids.js";

/** PBS's lower bound for a password. */
export const PASSWORD_MIN_LENGTH = 5;
/** Caps only what a single argon2 call is fed. */
export const PASSWORD_MAX_LENGTH = 1024;
/** Comments, first and last names and email addresses: one line of at most this many characters. */
export const TEXT_FIELD_MAX_LENGTH = 256;
/** The largest expiry, 9999-12-31T23:59:59Z: beyond any real one, and a date every client can still print. 0 means never. */
export const EXPIRE_MAX = 253_402_300_799;
/** PBS caps ACL paths at 128 characters. */
export const ACL_PATH_MAX_LENGTH = 128;
