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
import type { AccessConfig } from "../core/model.js";

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

const ownViewMemo = new WeakMap<AccessConfig, Map<string, string>>();

/**
 * The digest for a caller who may see only its own share of a part: its own user
 * record and tokens, or the ACL entries of its own tokens. It is computed over
 * that share alone, so a user learns nothing about other users' records from it,
 * not even when they change (issue 15, finding 10). An update that sends it back
 * is checked against the same share. O(tokens) or O(ACL), once per snapshot and user.
 */
export function computeOwnViewDigest(config: AccessConfig, part: ConfigPart, userid: string): string {
  const key = `${part}\0${userid}`;
  const cached = ownViewMemo.get(config)?.get(key);
  if (cached !== undefined) return cached;
  const ownPrefix = `${userid}!`;
  let content: unknown;
  if (part === "users") {
    const tokens: Record<string, unknown> = {};
    for (const tokenid in config.tokens) if (tokenid.startsWith(ownPrefix)) tokens[tokenid] = config.tokens[tokenid];
    content = { view: userid, user: config.users[userid] ?? null, tokens };
  } else {
    content = { view: userid, acl: config.acl.filter((entry) => entry.ugid.startsWith(ownPrefix)) };
  }
  const digest = createHash("sha256").update(stringifyCanonically(content), "utf8").digest("hex");
  if (Object.isFrozen(config)) {
    let perConfig = ownViewMemo.get(config);
    if (perConfig === undefined) ownViewMemo.set(config, (perConfig = new Map<string, string>()));
    perConfig.set(key, digest);
  }
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
