import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { SecretHasher } from "../password-hash.js";

export interface FakeHasherOptions {
  /** Milliseconds each verify waits before answering, to widen race windows in cross-process tests. */
  verifyDelayMs?: () => number;
}

/**
 * A deterministic stand-in for argon2 that counts its calls. Its hashes depend only
 * on the input, so several processes using it agree, as with a real hash.
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

/** What FakeHasher stores for `plain`; tests use it to hand-edit a shadow file. */
export function computeFakeHash(plain: string): string {
  return `fake$${createHash("sha256").update(plain).digest("hex")}`;
}
