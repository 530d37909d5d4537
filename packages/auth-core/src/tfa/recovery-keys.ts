/**
 * Recovery keys in PBS's format (proxmox-tfa src/api/recovery.rs): ten keys of
 * eight random bytes, shown once as `xxxx-xxxx-xxxx-xxxx`. Each is stored as its
 * own argon2id hash through the project's hasher (PBS keeps an HMAC-SHA256 under a
 * per-set salt; ASVS V6.5.2 asks for a password hash below 112 bits of entropy,
 * and a key has 64: docs/decisions/026). Each works once: a used key's slot
 * becomes null, so the others keep their index (the login challenge lists the
 * indices still available).
 */
import { randomBytes } from "node:crypto";
import type { RecoverySet } from "./tfa-model.js";

export const RECOVERY_KEY_COUNT = 10;
const KEY_BYTES = 8;
const KEY_FORMAT = /^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}$/;

function formatKey(bytes: Buffer): string {
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 4)}-${hex.slice(4, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}`;
}

/** A new set (hashed with `hash`) and its keys in clear, which the caller shows exactly once. */
export async function generateRecoveryKeys(
  hash: (plain: string) => Promise<string>,
  nowS: number,
): Promise<{ set: RecoverySet; keys: string[] }> {
  const keys: string[] = [];
  for (let i = 0; i < RECOVERY_KEY_COUNT; i++) keys.push(formatKey(randomBytes(KEY_BYTES)));
  const entries: string[] = [];
  for (const key of keys) entries.push(await hash(key));
  return { set: { entries, created: nowS }, keys };
}

/** The key as it was generated, or null when it cannot be one: whitespace and upper case are forgiven, as people type them. */
export function normaliseRecoveryKey(key: string): string | null {
  const normalised = key.trim().toLowerCase();
  return KEY_FORMAT.test(normalised) ? normalised : null;
}

/**
 * The index and stored hash of the unused key `key` matches, or null. Hashes are
 * tried one by one until one matches; the caller then uses the key up with
 * `useRecoveryKey` under the store's lock.
 */
export async function findRecoveryKey(
  set: RecoverySet,
  key: string,
  verify: (hash: string, plain: string) => Promise<boolean>,
): Promise<{ index: number; hash: string } | null> {
  const normalised = normaliseRecoveryKey(key);
  if (normalised === null) return null;
  for (const [index, hash] of set.entries.entries()) {
    if (hash !== null && (await verify(hash, normalised))) return { index, hash };
  }
  return null;
}

/** Nulls the slot if it still holds `hash`: false when the key was used meanwhile (by a concurrent login). */
export function useRecoveryKey(set: RecoverySet, found: { index: number; hash: string }): boolean {
  if (set.entries[found.index] !== found.hash) return false;
  set.entries[found.index] = null;
  return true;
}

/** Indices of the keys still unused (PBS's `RecoveryState`). */
export function availableRecoveryIndices(set: RecoverySet): number[] {
  const out: number[] = [];
  set.entries.forEach((entry, index) => {
    if (entry !== null) out.push(index);
  });
  return out;
}
