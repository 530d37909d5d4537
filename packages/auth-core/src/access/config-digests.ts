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
import { createHash, type Hash } from "node:crypto";
import type { AccessConfig } from "../core/model.js";
import { SliceYielder, sortInSlices } from "../guard/cooperative.js";
import { readConfigLayers, readMapKeysInSlices } from "../store/config-layers.js";
import { DRAFT_BASE } from "../store/state-draft.js";

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

/** Digests being computed in slices, shared by every caller that asks meanwhile. */
const inFlight: Record<ConfigPart, WeakMap<AccessConfig, Promise<string>>> = { users: new WeakMap(), acl: new WeakMap() };

/**
 * The same digest as computeConfigPartDigest, computed in slices that give the event
 * loop back (guard/cooperative.ts): at 100,000 tokens the canonical JSON of the users
 * part takes about 400 ms, the first listing or read after every change needs it, and
 * no request may hold the loop over 50 ms (docs/design.md, scale rules). It writes the
 * same bytes into the hash as the one-piece version: one record at a time, keys in
 * the same order.
 */
export function computeConfigPartDigestInSlices(config: AccessConfig, part: ConfigPart): Promise<string> {
  const cached = memo[part].get(config);
  if (cached !== undefined) return Promise.resolve(cached);
  const running = inFlight[part].get(config);
  if (running !== undefined) return running;
  const computing = digestInSlices(config, part).then((digest) => {
    if (Object.isFrozen(config)) memo[part].set(config, digest);
    inFlight[part].delete(config);
    return digest;
  });
  // A config being mutated is not shared: only frozen snapshots are worth sharing.
  if (Object.isFrozen(config)) inFlight[part].set(config, computing);
  return computing;
}

async function digestInSlices(config: AccessConfig, part: ConfigPart): Promise<string> {
  const yielder = new SliceYielder();
  const hash = createHash("sha256");
  if (part === "acl") {
    // {"acl":[entry,entry,...]}: the array keeps its order.
    hash.update('{"acl":[', "utf8");
    for (let i = 0; i < config.acl.length; i++) {
      hash.update(`${i === 0 ? "" : ","}${stringifyCanonically(config.acl[i])}`, "utf8");
      const pause = yielder.tick();
      if (pause !== undefined) await pause;
    }
    hash.update("]}", "utf8");
    return hash.digest("hex");
  }
  // {"tokens":{...},"users":{...}}: "tokens" sorts before "users".
  hash.update('{"tokens":', "utf8");
  await hashCanonicalMap(hash, config, "tokens", yielder);
  hash.update(',"users":', "utf8");
  await hashCanonicalMap(hash, config, "users", yielder);
  hash.update("}", "utf8");
  return hash.digest("hex");
}

/** A map's canonical JSON into `hash`, entry by entry in the order Array.prototype.sort gives its keys. */
async function hashCanonicalMap(hash: Hash, config: AccessConfig, part: "users" | "tokens", yielder: SliceYielder): Promise<void> {
  // A layered snapshot's keys come from its compaction in slices, not one 20-40 ms enumeration (config-layers.ts).
  const keys = await sortInSlices(await readMapKeysInSlices(config, part, yielder), compareCodeUnits, yielder);
  const map: Readonly<Record<string, unknown>> = config[part];
  hash.update("{", "utf8");
  let first = true;
  for (const key of keys) {
    const value = stringifyCanonically(map[key]) as string | undefined;
    // JSON.stringify leaves out members whose value serializes to nothing.
    if (value !== undefined) {
      hash.update(`${first ? "" : ","}${JSON.stringify(key)}:${value}`, "utf8");
      first = false;
    }
    const pause = yielder.tick();
    if (pause !== undefined) await pause;
  }
  hash.update("}", "utf8");
}

/** The default order of Array.prototype.sort for strings: UTF-16 code units. */
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
  // A PostgreSQL draft that has not changed a map still is its frozen base: the same
  // maps are the same content, without digesting 100,000 records under the lock.
  if (part === "users" && mapIdentity(a, "users") === mapIdentity(b, "users") && mapIdentity(a, "tokens") === mapIdentity(b, "tokens")) {
    return true;
  }
  return computeConfigPartDigest(a, part) === computeConfigPartDigest(b, part);
}

/** The frozen map behind a draft map with no change yet (state-draft.ts), else the map itself. */
function underlyingMap(map: object): object {
  return (map as { [DRAFT_BASE]?: object | null })[DRAFT_BASE] ?? map;
}

/** What tells one map from another without building it: a layered snapshot's LayeredMap (config-layers.ts), else the frozen map. */
function mapIdentity(config: AccessConfig, part: "users" | "tokens"): object {
  return readConfigLayers(config)?.[part] ?? underlyingMap(config[part]);
}

function stringifyCanonically(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
    return sorted;
  });
}
