/**
 * Child process of the crash-safety harness (crash-safety.test.ts). It loads
 * everything, waits for `go` on stdin, then mutates users, tokens and ACL entries
 * through the AccessControl facade on the file store, one at a time and forever,
 * until the parent SIGKILLs it.
 *
 * Before each mutation it prints `begin`, after it `ack` (with a new secret, if
 * any), each with one synchronous write. Each mutation carries the request id
 * `crash-<seed>-<seq>`, so the parent can match audit records to mutations: once a line is written it is in the
 * pipe and survives the kill, and no mutation starts before the previous ack is
 * out. So the parent knows every acknowledged mutation and the one in flight.
 *
 * argv: <dataDir> <seed> <lockStaleMs>
 */
import { writeSync } from "node:fs";
import { AccessControl, SYSTEM_ACTOR, openFileStore, type AuthContext } from "@gatehouse/auth-core";
import { LINE_PREFIX, PROBE_USER, crashRequestId, type ChildLine, type CrashOp } from "./crash-model.js";
import { FakeHasher } from "@gatehouse/auth-core/testing";
import { createSeededRandom } from "../test-support/seeded-random.js";

const USERS = ["u0@pbs", "u1@pbs", "u2@pbs", "u3@pbs"] as const;
const TOKEN_NAMES = ["t0", "t1", "t2"] as const;

function emit(line: ChildLine): void {
  const bytes = Buffer.from(`${LINE_PREFIX}${JSON.stringify(line)}\n`, "utf8");
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(1, bytes, offset);
    } catch (error) {
      // stdout is a non-blocking pipe; a full pipe only means "try again".
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
    }
  }
}

interface View {
  users: Map<string, boolean>;
  tokens: Map<string, boolean>;
  grants: Set<string>;
}

function pick<T>(random: () => number, items: readonly T[]): T | undefined {
  return items[Math.floor(random() * items.length)];
}

/** A random mutation that is valid in the current view, weighted toward token changes. */
function chooseOp(random: () => number, view: View): CrashOp {
  const users = [...view.users.keys()];
  const absentUsers = USERS.filter((userid) => !view.users.has(userid));
  const tokens = [...view.tokens.keys()];
  const absentTokens = users.flatMap((userid) => TOKEN_NAMES.map((name) => `${userid}!${name}`)).filter((id) => !view.tokens.has(id));
  const password = `pw-${Math.floor(random() * 1e9).toString(36)}`;
  const candidates: [number, () => CrashOp | undefined][] = [
    [3, () => (absentUsers.length > 0 ? { kind: "user.add", userid: pick(random, absentUsers) ?? "", password } : undefined)],
    [1, () => (users.length > 1 ? { kind: "user.delete", userid: pick(random, users) ?? "" } : undefined)],
    [2, () => mapUser(pick(random, users), (userid) => ({ kind: "user.enable", userid, enable: !view.users.get(userid) }))],
    [1, () => mapUser(pick(random, users), (userid) => ({ kind: "user.passwd", userid, password }))],
    [4, () => mapUser(pick(random, absentTokens), (tokenid) => ({ kind: "token.add", tokenid }))],
    [4, () => mapUser(pick(random, tokens), (tokenid) => ({ kind: "token.regenerate", tokenid }))],
    [3, () => mapUser(pick(random, tokens), (tokenid) => ({ kind: "token.enable", tokenid, enable: !view.tokens.get(tokenid) }))],
    [2, () => mapUser(pick(random, tokens), (tokenid) => ({ kind: "token.delete", tokenid }))],
    [1, () => mapUser(pick(random, [...users, ...tokens]), (ugid) => ({ kind: "acl.grant", ugid }))],
    [1, () => mapUser(pick(random, [...view.grants]), (ugid) => ({ kind: "acl.revoke", ugid }))],
  ];
  for (;;) {
    const total = candidates.reduce((sum, [weight]) => sum + weight, 0);
    let roll = random() * total;
    for (const [weight, make] of candidates) {
      roll -= weight;
      if (roll > 0) continue;
      const op = make();
      if (op !== undefined) return op;
      break;
    }
  }
}

function mapUser<T>(value: T | undefined, make: (value: T) => CrashOp): CrashOp | undefined {
  return value === undefined ? undefined : make(value);
}

function ownerOf(tokenid: string): string {
  return tokenid.slice(0, tokenid.lastIndexOf("!"));
}

async function runOp(accessControl: AccessControl, op: CrashOp, view: View, actor: AuthContext): Promise<string | undefined> {
  switch (op.kind) {
    case "user.add":
      await accessControl.createUser(actor, { userid: op.userid, password: op.password });
      view.users.set(op.userid, true);
      return undefined;
    case "user.passwd":
      await accessControl.setPassword(actor, op.userid, op.password);
      return undefined;
    case "user.enable":
      await accessControl.updateUser(actor, op.userid, { enable: op.enable });
      view.users.set(op.userid, op.enable);
      return undefined;
    case "user.delete":
      await accessControl.deleteUser(actor, op.userid);
      view.users.delete(op.userid);
      for (const tokenid of [...view.tokens.keys()]) if (ownerOf(tokenid) === op.userid) view.tokens.delete(tokenid);
      for (const ugid of [...view.grants]) if (ugid === op.userid || ownerOf(ugid) === op.userid) view.grants.delete(ugid);
      return undefined;
    case "token.add": {
      const created = await accessControl.createToken(actor, ownerOf(op.tokenid), tokenNameOf(op.tokenid), {});
      view.tokens.set(op.tokenid, true);
      return created.value;
    }
    case "token.regenerate": {
      const rotated = await accessControl.updateToken(actor, ownerOf(op.tokenid), tokenNameOf(op.tokenid), { regenerate: true });
      if (rotated === null) throw new Error("regenerate returned no secret");
      return rotated.secret;
    }
    case "token.enable":
      await accessControl.updateToken(actor, ownerOf(op.tokenid), tokenNameOf(op.tokenid), { enable: op.enable });
      view.tokens.set(op.tokenid, op.enable);
      return undefined;
    case "token.delete":
      await accessControl.deleteToken(actor, ownerOf(op.tokenid), tokenNameOf(op.tokenid));
      view.tokens.delete(op.tokenid);
      view.grants.delete(op.tokenid);
      return undefined;
    case "acl.grant":
      await accessControl.updateAcl(actor, { path: "/access", role: "Audit", authId: op.ugid });
      view.grants.add(op.ugid);
      return undefined;
    case "acl.revoke":
      await accessControl.updateAcl(actor, { path: "/access", role: "Audit", authId: op.ugid, delete: true });
      view.grants.delete(op.ugid);
      return undefined;
    case "probe":
      throw new Error("the probe is the parent's mutation");
  }
}

function tokenNameOf(tokenid: string): string {
  return tokenid.slice(tokenid.lastIndexOf("!") + 1);
}

function waitForGo(): Promise<void> {
  return new Promise((resolveGo) => {
    let input = "";
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (chunk: string) => {
      input += chunk;
      if (input.includes("go\n")) resolveGo();
    });
    // The parent went away: nobody will kill this process, so end it here.
    process.stdin.once("end", () => process.exit(0));
  });
}

async function main(): Promise<void> {
  const [dataDir = "", seedText = "", staleText = ""] = process.argv.slice(2);
  const seed = Number(seedText);
  const lockStaleMs = Number(staleText);
  if (dataDir === "" || !Number.isInteger(seed) || !Number.isInteger(lockStaleMs)) {
    throw new Error("usage: crash-child.ts <dataDir> <seed> <lockStaleMs>");
  }
  await waitForGo();
  const store = await openFileStore({ dataDir, lockStaleMs });
  const accessControl = await AccessControl.open({ store, hasher: new FakeHasher() });
  const { data } = await accessControl.listUsers(SYSTEM_ACTOR, { includeTokens: true });
  const acl = await accessControl.readAcl(SYSTEM_ACTOR, { path: "/access", exact: true });
  const view: View = { users: new Map(), tokens: new Map(), grants: new Set() };
  for (const user of data) {
    if (user.userid === PROBE_USER) continue;
    view.users.set(user.userid, user.enable);
    for (const token of user.tokens ?? []) view.tokens.set(token.tokenid, token.enable);
  }
  for (const entry of acl.data) if (entry.roleid === "Audit") view.grants.add(entry.ugid);
  const random = createSeededRandom(seed);
  emit({ type: "ready", pid: process.pid });
  for (let seq = 0; ; seq += 1) {
    const op = chooseOp(random, view);
    emit({ type: "begin", seq, op });
    const actor: AuthContext = Object.freeze({ ...SYSTEM_ACTOR, requestId: crashRequestId(seed, seq) });
    const secret = await runOp(accessControl, op, view, actor);
    emit(secret === undefined ? { type: "ack", seq, op } : { type: "ack", seq, op, secret });
  }
}

main().catch((error: unknown) => {
  emit({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
