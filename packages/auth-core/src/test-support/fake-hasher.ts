import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { SecretHasher } from "../crypto/password-hash.js";

export interface FakeHasherOptions {
  /** Milliseconds each verify waits before answering, to widen race windows in cross-process tests. */
  verifyDelayMs?: () => number;
}

/**
 * A deterministic stand-in for argon2 that counts its calls. Its hashes depend only
 * on the input, so several processes using it agree, as with a real hash, and a
 * parent can predict what a killed child wrote. In the bff's crash harnesses it also
 * keeps random kills out of the hash, where argon2 would take most of the time, and on
 * the store's writes.
 */
export class FakeHasher implements SecretHasher {
  hashes = 0;
  verifies = 0;

  constructor(private readonly options: FakeHasherOptions = {}) {}

  hash(plain: string): Promise<string> {
    this.hashes += 1;
    return Promise.resolve(computeFakeHash(plain));
  }

  async verify(hash: string, plain: string): Promise<boolean> {
    this.verifies += 1;
    const delayMs = this.options.verifyDelayMs?.() ?? 0;
    if (delayMs > 0) await sleep(delayMs);
    return hash === computeFakeHash(plain);
  }
}

const FAKE_HASH_PREFIX = "fake$";

/** What FakeHasher stores for `plain`; tests use it to hand-edit a shadow file. */
export function computeFakeHash(plain: string): string {
  return `${FAKE_HASH_PREFIX}${createHash("sha256").update(plain, "utf8").digest("hex")}`;
}

/** Whether `value` has the shape of a FakeHasher hash (crash checks tell it from a torn write). */
export function isFakeHash(value: unknown): value is string {
  return typeof value === "string" && /^fake\$[0-9a-f]{64}$/.test(value);
}
