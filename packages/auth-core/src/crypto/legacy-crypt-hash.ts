/**
 * The crypt(3) hashes an imported PBS config brings along (PBS's `shadow.json` and
 * `token.shadow`, written by proxmox-sys `crypt::encrypt_pw`): sha256-crypt (`$5$`)
 * from older PBS releases, yescrypt (`$y$`) from newer ones.
 *
 * - sha256-crypt is verified with `unixcrypt`, a maintained implementation checked
 *   here against `openssl passwd -5`. A hash is accepted only until its first
 *   successful verification: the facade then replaces it with argon2id.
 * - yescrypt has no maintained JavaScript or Node implementation on npm, so
 *   Gatehouse cannot verify it and never tries: `gatehouse import-pbs` leaves such
 *   a password or token secret out and says so (docs/decisions/016-pbs-import.md).
 */
import { verify as verifyUnixCrypt } from "unixcrypt";

/** The hash kinds an import can meet. */
export type CryptHashKind = "argon2" | "sha256-crypt" | "yescrypt" | "other";

/**
 * PBS's default is 5000 rounds (about 10 ms here). A hash that asks for far more
 * would hold the event loop, on which this pure-JavaScript hash runs, for seconds.
 */
export const SHA256_CRYPT_MAX_ROUNDS = 50_000;

// $5$[rounds=N$]<salt of up to 16 characters>$<43 characters of crypt base64>
const SHA256_CRYPT = /^\$5\$(?:rounds=(\d{1,9})\$)?[^$:\n]{0,16}\$[./0-9A-Za-z]{43}$/;

export function classifyCryptHash(hash: string): CryptHashKind {
  if (hash.startsWith("$argon2")) return "argon2";
  if (hash.startsWith("$5$")) return "sha256-crypt";
  if (hash.startsWith("$y$")) return "yescrypt";
  return "other";
}

/** A sha256-crypt hash Gatehouse will verify: well formed and within SHA256_CRYPT_MAX_ROUNDS. */
export function isVerifiableSha256Crypt(hash: string): boolean {
  const match = SHA256_CRYPT.exec(hash);
  if (match === null) return false;
  return match[1] === undefined || Number(match[1]) <= SHA256_CRYPT_MAX_ROUNDS;
}

/** True when `plain` matches the sha256-crypt `hash`; false for anything else, never a throw. */
export function verifySha256Crypt(hash: string, plain: string): boolean {
  if (!isVerifiableSha256Crypt(hash)) return false;
  try {
    return verifyUnixCrypt(plain, hash);
  } catch {
    // unixcrypt compares lengths in timingSafeEqual; a mismatch there is a failed match.
    return false;
  }
}
