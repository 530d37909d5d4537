/**
 * The two config digests PBS keeps apart: one over users and tokens (PBS's
 * `user.cfg`) and one over the ACL (`acl.cfg`). A client that read the ACL and
 * sends its digest back must not get a 409 because someone edited a user
 * meanwhile, and the other way round.
 *
 * Each digest is SHA-256 over a canonical JSON of its part, so it depends on the
 * content only, never on a backend's byte layout: the file and PostgreSQL
 * backends give the same digest for the same config. A config snapshot is frozen
 * and shared, so each digest is computed once per snapshot.
 */
import { createHash } from "node:crypto";
import type { AccessConfig } from "./model.js";

export type ConfigPart = "users" | "acl";

const memo: Record<ConfigPart, WeakMap<AccessConfig, string>> = { users: new WeakMap(), acl: new WeakMap() };

/** The digest of one part of `config`, as 64 lowercase hex digits. */
export function computeConfigPartDigest(config: AccessConfig, part: ConfigPart): string {
  const cached = memo[part].get(config);
  if (cached !== undefined) return cached;
  const content = part === "users" ? { users: config.users, tokens: config.tokens } : { acl: config.acl };
  const digest = createHash("sha256").update(stringifyCanonically(content), "utf8").digest("hex");
  // Only frozen snapshots are remembered: a config being mutated must be digested afresh.
  if (Object.isFrozen(config)) memo[part].set(config, digest);
  return digest;
}

/** Whether one part of two configs is the same, independent of key order. */
export function isSameConfigPart(a: AccessConfig, b: AccessConfig, part: ConfigPart): boolean {
  return computeConfigPartDigest(a, part) === computeConfigPartDigest(b, part);
}

function stringifyCanonically(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
    return sorted;
  });
}
