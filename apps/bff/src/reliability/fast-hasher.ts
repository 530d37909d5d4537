/**
 * A deterministic stand-in for argon2 for the reliability harnesses. With argon2
 * almost every random kill would land inside the hash, before the store is
 * touched; with this one the mutations are dominated by the store's writes and
 * fsyncs, which is what a crash test has to hit. Being deterministic, the hash a
 * killed child wrote can be predicted by the parent that checks the files.
 */
import { createHash } from "node:crypto";
import type { SecretHasher } from "@gatehouse/auth-core";

const PREFIX = "fast$";

export function computeFastHash(plain: string): string {
  return `${PREFIX}${createHash("sha256").update(plain, "utf8").digest("hex")}`;
}

export function isFastHash(value: unknown): value is string {
  return typeof value === "string" && /^fast\$[0-9a-f]{64}$/.test(value);
}

export const fastHasher: SecretHasher = Object.freeze({
  hash(plain: string): Promise<string> {
    return Promise.resolve(computeFastHash(plain));
  },
  verify(hash: string, plain: string): Promise<boolean> {
    return Promise.resolve(hash === computeFastHash(plain));
  },
});
