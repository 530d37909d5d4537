/**
 * The oracle of the crash-safety harness: the mutations a child performs through
 * the AccessControl facade, what each does to the stored files, and the check that
 * a data dir left by a SIGKILL holds every acknowledged mutation and at most a
 * prefix of the one in flight.
 *
 * The file store writes the parts of one mutation one file at a time, each file
 * atomically, in a fixed order (token.shadow, shadow.json, user.json, acl.json).
 * So after a crash every file is either before or after the in-flight mutation,
 * and the files that are "after" are a prefix of that order.
 */
import { isDeepStrictEqual } from "node:util";
import type { AclEntry, TokenRecord, UserRecord } from "@gatehouse/auth-core";
import { computeFakeHash, isFakeHash } from "@gatehouse/auth-core/testing";

export type CrashOp =
  | { kind: "user.add"; userid: string; password: string }
  | { kind: "user.passwd"; userid: string; password: string }
  | { kind: "user.enable"; userid: string; enable: boolean }
  | { kind: "user.delete"; userid: string }
  | { kind: "token.add"; tokenid: string }
  | { kind: "token.regenerate"; tokenid: string }
  | { kind: "token.enable"; tokenid: string; enable: boolean }
  | { kind: "token.delete"; tokenid: string }
  | { kind: "acl.grant"; ugid: string }
  | { kind: "acl.revoke"; ugid: string }
  /** The parent's own mutation after each kill: proves the store is writable again. */
  | { kind: "probe"; cycle: number };

/** What the child prints, one JSON object per line, each written synchronously. */
export type ChildLine =
  | { type: "ready"; pid: number }
  | { type: "begin"; seq: number; op: CrashOp }
  | { type: "ack"; seq: number; op: CrashOp; secret?: string }
  | { type: "error"; message: string };

export const LINE_PREFIX = "crash-child:";

/** The request id a child gives mutation `seq`: its audit record carries it (issue 14). */
export function crashRequestId(childSeed: number, seq: number): string {
  return `crash-${childSeed}-${seq}`;
}

/** The stored state as the files hold it. */
export interface StoredState {
  users: Record<string, UserRecord>;
  tokens: Record<string, TokenRecord>;
  acl: AclEntry[];
  passwordHashes: Record<string, string>;
  tokenHashes: Record<string, string>;
}

/** The file store's rename order (store/file/file-mutation.ts, FileMutationWriter.writeChanges). */
export const PART_ORDER = ["tokenShadow", "passwordShadow", "users", "acl"] as const;
export type StoredPart = (typeof PART_ORDER)[number];

export const PROBE_USER = "probe@pbs";
export const ACL_PATH = "/access";
export const ACL_ROLE = "Audit";

/** A token hash the model cannot know: the secret of a create or regenerate that was never acknowledged. */
export const UNKNOWN_HASH = "?";

export function emptyStoredState(): StoredState {
  return { users: {}, tokens: {}, acl: [], passwordHashes: {}, tokenHashes: {} };
}

function ownerOf(tokenid: string): string {
  return tokenid.slice(0, tokenid.lastIndexOf("!"));
}

function ownerOfUgid(ugid: string): string {
  return ugid.includes("!") ? ownerOf(ugid) : ugid;
}

/**
 * The state after `op`, as the facade would leave it. `secret` is the acknowledged
 * secret of a token create or regenerate; undefined means it is not known.
 */
export function applyOp(state: StoredState, op: CrashOp, secret?: string): StoredState {
  const next = structuredClone(state);
  const secretHash = secret === undefined ? UNKNOWN_HASH : computeFakeHash(secret);
  switch (op.kind) {
    case "user.add":
      next.users[op.userid] = { userid: op.userid, enable: true, expire: 0 };
      next.passwordHashes[op.userid] = computeFakeHash(op.password);
      break;
    case "user.passwd":
      next.passwordHashes[op.userid] = computeFakeHash(op.password);
      break;
    case "user.enable":
      requireRecord(next.users, op.userid).enable = op.enable;
      break;
    case "user.delete":
      delete next.users[op.userid];
      delete next.passwordHashes[op.userid];
      for (const tokenid of Object.keys(next.tokens)) {
        if (ownerOf(tokenid) === op.userid) {
          delete next.tokens[tokenid];
          delete next.tokenHashes[tokenid];
        }
      }
      next.acl = next.acl.filter((entry) => ownerOfUgid(entry.ugid) !== op.userid);
      break;
    case "token.add":
      next.tokens[op.tokenid] = { tokenid: op.tokenid, enable: true, expire: 0 };
      next.tokenHashes[op.tokenid] = secretHash;
      break;
    case "token.regenerate":
      requireRecord(next.tokens, op.tokenid);
      next.tokenHashes[op.tokenid] = secretHash;
      break;
    case "token.enable":
      requireRecord(next.tokens, op.tokenid).enable = op.enable;
      break;
    case "token.delete":
      delete next.tokens[op.tokenid];
      delete next.tokenHashes[op.tokenid];
      next.acl = next.acl.filter((entry) => entry.ugid !== op.tokenid);
      break;
    case "acl.grant":
      if (!next.acl.some((entry) => isGrant(entry, op.ugid))) {
        next.acl.push({ path: ACL_PATH, ugid: op.ugid, roleid: ACL_ROLE, propagate: true });
      }
      break;
    case "acl.revoke":
      next.acl = next.acl.filter((entry) => !isGrant(entry, op.ugid));
      break;
    case "probe":
      requireRecord(next.users, PROBE_USER).comment = `cycle ${op.cycle}`;
      break;
  }
  return next;
}

function isGrant(entry: AclEntry, ugid: string): boolean {
  return entry.path === ACL_PATH && entry.ugid === ugid && entry.roleid === ACL_ROLE;
}

function requireRecord<T>(map: Record<string, T>, id: string): T {
  const record = Object.hasOwn(map, id) ? map[id] : undefined;
  if (record === undefined) throw new Error(`crash model: ${id} does not exist`);
  return record;
}

function partOf(state: StoredState, part: StoredPart): unknown {
  switch (part) {
    case "tokenShadow":
      return state.tokenHashes;
    case "passwordShadow":
      return state.passwordHashes;
    case "users":
      return { users: state.users, tokens: state.tokens };
    case "acl":
      return state.acl;
  }
}

/** Equality where an UNKNOWN_HASH in `expected` stands for any hash unlike the one `before` had. */
function matchesPart(part: StoredPart, actual: StoredState, expected: StoredState, before: StoredState): boolean {
  if (part !== "tokenShadow") return isDeepStrictEqual(partOf(actual, part), partOf(expected, part));
  const actualKeys = Object.keys(actual.tokenHashes).sort();
  if (!isDeepStrictEqual(actualKeys, Object.keys(expected.tokenHashes).sort())) return false;
  return actualKeys.every((key) => {
    const want = expected.tokenHashes[key];
    const got = actual.tokenHashes[key];
    if (want !== UNKNOWN_HASH) return got === want;
    return isFakeHash(got) && got !== before.tokenHashes[key];
  });
}

/** The parts `pending` changes compared with `acknowledged`, in write order. */
export function listChangedParts(acknowledged: StoredState, pending: StoredState): StoredPart[] {
  return PART_ORDER.filter((part) => !matchesPart(part, pending, acknowledged, acknowledged));
}

export type CrashVerdict = { ok: true; appliedParts: StoredPart[] } | { ok: false; reason: string };

/**
 * Whether `actual` is `acknowledged` with at most a prefix (in write order) of
 * `pending` applied on top. With nothing pending it must equal `acknowledged`.
 */
export function judgeCrashState(actual: StoredState, acknowledged: StoredState, pending: StoredState | null): CrashVerdict {
  const applied: StoredPart[] = [];
  let sawOld = false;
  for (const part of PART_ORDER) {
    const isOld = matchesPart(part, actual, acknowledged, acknowledged);
    const isNew = pending !== null && matchesPart(part, actual, pending, acknowledged);
    if (!isOld && !isNew) {
      return { ok: false, reason: `${part} matches neither the acknowledged state nor the one in flight` };
    }
    // A part the pending mutation does not change matches both; only changed parts count.
    if (isNew && !isOld) {
      if (sawOld) return { ok: false, reason: `${part} was written although an earlier part of the same mutation was not` };
      applied.push(part);
    } else if (pending !== null && listChangedParts(acknowledged, pending).includes(part)) {
      sawOld = true;
    }
  }
  return { ok: true, appliedParts: applied };
}
