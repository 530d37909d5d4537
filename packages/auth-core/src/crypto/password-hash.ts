/**
 * The slow hash for passwords and API token secrets: argon2id. Everything that
 * hashes or verifies a secret goes through a SecretHasher so that tests can inject
 * a fast fake and the facade can gate the real one.
 */
import { randomBytes } from "node:crypto";
import * as argon2 from "argon2";

/**
 * OWASP's minimum argon2id configuration (19 MiB, 2 passes, 1 lane). Memory is what
 * makes a GPU or ASIC attack on a stolen shadow file expensive, and 19 MiB keeps one
 * verification at tens of milliseconds on a small server; the token cache, not a
 * cheaper hash, is what keeps the per-request cost low.
 */
export const ARGON2_OPTIONS = Object.freeze({
  type: argon2.argon2id,
  /** KiB: 19 * 1024. */
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
});

export interface SecretHasher {
  /** A self-describing hash string (PHC format) of `plain` with a fresh salt. */
  hash(plain: string): Promise<string>;
  /** True when `plain` matches `hash`; false, never a throw, for a malformed hash. */
  verify(hash: string, plain: string): Promise<boolean>;
}

export const argon2Hasher: SecretHasher = Object.freeze({
  hash(plain: string): Promise<string> {
    return argon2.hash(plain, ARGON2_OPTIONS);
  },
  async verify(hash: string, plain: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, plain);
    } catch {
      // A hand-edited or truncated shadow entry is a failed verification, not a 500.
      return false;
    }
  },
});

export function hashSecret(plain: string): Promise<string> {
  return argon2Hasher.hash(plain);
}

export function verifySecretHash(hash: string, plain: string): Promise<boolean> {
  return argon2Hasher.verify(hash, plain);
}

/**
 * An argon2id hash with exactly ARGON2_OPTIONS of a random secret that was thrown
 * away, so nothing can match it. Verifying against it costs what verifying a real
 * password costs.
 */
export const DUMMY_PASSWORD_HASH = "$argon2id$v=19$m=19456,p=1,t=2$S1LXcV5mOVXoL5Xiw91xTQ$vqFhf0xoE/Pxzq56NSFLx+Gh+XrDU70TE1fYH+FkzZI";

const dummyHashes = new WeakMap<SecretHasher, Promise<string>>();

function dummyHashFor(hasher: SecretHasher): Promise<string> {
  if (hasher === argon2Hasher) return Promise.resolve(DUMMY_PASSWORD_HASH);
  let dummy = dummyHashes.get(hasher);
  if (dummy === undefined) {
    // Another hasher (a test fake, or other parameters) needs a dummy in its own format.
    dummy = hasher.hash(randomBytes(32).toString("base64url"));
    dummyHashes.set(hasher, dummy);
  }
  return dummy;
}

/**
 * Runs one verification that cannot succeed. A login for an unknown user calls this
 * so that it takes as long as a wrong password for a known one: the response time
 * must not tell whether a user exists.
 */
export async function verifyAgainstDummyHash(hasher: SecretHasher, plain: string): Promise<false> {
  await hasher.verify(await dummyHashFor(hasher), plain);
  return false;
}
