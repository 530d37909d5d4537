/**
 * Issue 6, crash safety of the file backend. Child processes (crash-child.ts)
 * mutate users, tokens and ACL entries through the facade and are SIGKILLed at
 * random moments, at least 200 times in all. After each kill the parent checks,
 * before anything else touches the data dir:
 *
 * - every file in the data dir parses (JSON parts, keys, generation counters) and
 *   nothing unexpected is there;
 * - the stored state holds every acknowledged mutation, plus at most a prefix (in
 *   the store's write order) of the one that was in flight;
 * - a fresh store opens, accepts every acknowledged secret and password and
 *   rejects every superseded one;
 * - the next mutation succeeds within a bounded time, even when the kill left
 *   the store lock behind;
 * - the audit log (issue 14) holds a record of every acknowledged mutation, and a
 *   record of the one in flight only if every file it changes was written: a crash
 *   never leaves a record of a change that did not happen.
 *
 * Several lanes, each with its own data dir, run side by side: a kill inside the
 * lock costs up to lockStaleMs of waiting, which the lanes overlap. The next child
 * of a lane is started while the current one runs, so its start-up (tsx, module
 * loading) is overlapped too.
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, test } from "vitest";
import { AccessControl, AUDIT_FILE, SYSTEM_ACTOR, STORE_FILES, isAuditFileName, openFileStore } from "@gatehouse/auth-core";
import { spawnTs, type SpawnedTs } from "../test-support/spawn-ts.js";
import {
  LINE_PREFIX,
  PROBE_USER,
  applyOp,
  crashRequestId,
  emptyStoredState,
  judgeCrashState,
  listChangedParts,
  type ChildLine,
  type CrashOp,
  type StoredState,
} from "./crash-model.js";
import { computeFakeHash, FakeHasher } from "@gatehouse/auth-core/testing";
import { createSeededRandom } from "../test-support/seeded-random.js";

const LANES = 8;
const KILLS_PER_LANE = 26;
/** proper-lockfile's floor; the shortest wait after a holder died with the lock. */
const LOCK_STALE_MS = 2_000;
/**
 * Breaking a stale lock takes up to LOCK_STALE_MS. The bound proves recovery happens at
 * all (a lock left behind by a killed writer is never permanent), not how fast: the
 * slack is wide because CI machines run this beside other suites at load 10-20, where
 * a 6 s bound failed on a healthy store. The printed "slowest recovery" is the figure.
 */
const RECOVERY_BOUND_MS = LOCK_STALE_MS + 28_000;
/** Kills land between 0 and this many ms after the child starts mutating (a mutation takes a few ms). */
const MAX_KILL_DELAY_MS = 100;
/** A deadline, not a speed target: a child that is not ready by then is stuck. */
const CHILD_READY_TIMEOUT_MS = 120_000;
const TEST_TIMEOUT_MS = 600_000;
const SEED = Number(process.env.GATEHOUSE_FUZZ_SEED ?? 6006);

const EXPECTED_FILES = new Set<string>(Object.values(STORE_FILES));
/**
 * The second-factor store's file and lock (tfa/tfa-file-store.ts). Deleting a user
 * also drops their factors under `tfa.lock`, so a kill can land while that lock is
 * held; it is broken like store.lock once stale (the same StoreLock, store-lock.test.ts).
 */
const SECOND_FACTOR_FILE = "tfa.json";
const SECOND_FACTOR_LOCK = "tfa.lock";
const TEMP_FILE = /^\..+\.\d+\.[0-9a-f]{12}\.tmp$/;

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

interface LaneStats {
  kills: number;
  killsMidMutation: number;
  /** Kills after which the in-flight mutation had reached some files but not all it changes. */
  tornAcrossFiles: number;
  killsLeavingLock: number;
  acknowledged: number;
  authChecks: number;
  maxRecoveryMs: number;
  /** Acknowledged mutations whose audit record was found. */
  auditRecordsChecked: number;
  /** Kills that left the in-flight mutation written whole and recorded. */
  pendingRecorded: number;
}

// --- the child --------------------------------------------------------------------

interface CrashChild {
  spawned: SpawnedTs;
  lines: ChildLine[];
  /** Resolves once the child has exited and its stdout is drained. */
  closed: Promise<void>;
  waitForReady(): Promise<void>;
}

function startChild(dataDir: string, seed: number): CrashChild {
  const spawned = spawnTs("reliability/crash-child.ts", [dataDir, String(seed), String(LOCK_STALE_MS)], {});
  const lines: ChildLine[] = [];
  let pending = "";
  spawned.child.stdout?.on("data", (chunk: Buffer) => {
    pending += chunk.toString("utf8");
    for (let newline = pending.indexOf("\n"); newline >= 0; newline = pending.indexOf("\n")) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.startsWith(LINE_PREFIX)) lines.push(JSON.parse(line.slice(LINE_PREFIX.length)) as ChildLine);
    }
  });
  const closed = new Promise<void>((resolveClosed) => spawned.child.once("close", () => resolveClosed()));
  return {
    spawned,
    lines,
    closed,
    async waitForReady() {
      const deadline = performance.now() + CHILD_READY_TIMEOUT_MS;
      while (!lines.some((line) => line.type === "ready")) {
        const failure = lines.find((line) => line.type === "error");
        if (failure !== undefined) throw new Error(`crash child failed: ${failure.message}`);
        if (spawned.child.exitCode !== null) throw new Error(`crash child exited early:\n${spawned.output()}`);
        if (performance.now() > deadline) throw new Error(`crash child not ready within ${CHILD_READY_TIMEOUT_MS} ms`);
        await sleep(2);
      }
    },
  };
}

// --- reading what the kill left ---------------------------------------------------------

function readJsonFile(dataDir: string, file: string): unknown {
  let text: string;
  try {
    text = readFileSync(join(dataDir, file), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${file} does not parse after a kill (${text.length} bytes)`);
  }
}

/** Checks every file in the data dir and returns the stored state they hold. */
function readDataDir(dataDir: string): { state: StoredState; lockLeft: boolean } {
  let lockLeft = false;
  for (const name of readdirSync(dataDir)) {
    if (name === STORE_FILES.lock) {
      lockLeft = true;
      expect(statSync(join(dataDir, name)).isDirectory(), "store.lock is proper-lockfile's directory").toBe(true);
      continue;
    }
    if (name === SECOND_FACTOR_LOCK) {
      expect(statSync(join(dataDir, name)).isDirectory(), "tfa.lock is proper-lockfile's directory").toBe(true);
      continue;
    }
    // A crashed writer's temp file is expected; the next openFileStore removes it.
    if (TEMP_FILE.test(name) || name === SECOND_FACTOR_FILE) continue;
    expect(EXPECTED_FILES.has(name) || isAuditFileName(name), `unexpected file ${name} in the data dir`).toBe(true);
  }
  createPrivateKey(readFileSync(join(dataDir, STORE_FILES.ticketPrivateKey)));
  createPublicKey(readFileSync(join(dataDir, STORE_FILES.ticketPublicKey)));
  expect(Buffer.from(readFileSync(join(dataDir, STORE_FILES.csrfKey), "utf8").trim(), "base64")).toHaveLength(32);
  expect(statSync(join(dataDir, STORE_FILES.generations)).size).toBe(16);

  const usersFile = (readJsonFile(dataDir, STORE_FILES.users) ?? { users: {}, tokens: {} }) as Pick<StoredState, "users" | "tokens">;
  const state: StoredState = {
    users: withoutTicketFloors(usersFile.users),
    tokens: withoutCreated(usersFile.tokens),
    acl: (readJsonFile(dataDir, STORE_FILES.acl) ?? []) as StoredState["acl"],
    passwordHashes: (readJsonFile(dataDir, STORE_FILES.passwordShadow) ?? {}) as Record<string, string>,
    tokenHashes: (readJsonFile(dataDir, STORE_FILES.tokenShadow) ?? {}) as Record<string, string>,
  };
  return { state, lockLeft };
}

/**
 * The model cannot predict a user's `ticketsNotBefore` (the wall-clock second of a
 * create, password change or disable), so it is left out of the comparison. It is
 * written in the same atomic users-file write as the rest of the record, so the
 * other fields prove that write whole or absent.
 */
function withoutTicketFloors(users: StoredState["users"]): StoredState["users"] {
  const stripped: StoredState["users"] = {};
  for (const [userid, record] of Object.entries(users)) {
    const { ticketsNotBefore: _floor, created: _created, ...rest } = record;
    stripped[userid] = rest;
  }
  return stripped;
}

/** `created` is the wall-clock second of the create: unknown to the model, like the floors above. */
function withoutCreated(tokens: StoredState["tokens"]): StoredState["tokens"] {
  const stripped: StoredState["tokens"] = {};
  for (const [tokenid, record] of Object.entries(tokens)) {
    const { created: _created, ...rest } = record;
    stripped[tokenid] = rest;
  }
  return stripped;
}

/** The request ids of the audit records the kill left; a line torn by the kill would not parse and is not counted. */
function readAuditRequestIds(dataDir: string): Set<string> {
  let text = "";
  try {
    text = readFileSync(join(dataDir, AUDIT_FILE), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const ids = new Set<string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const record = JSON.parse(line) as { requestId?: unknown };
    if (typeof record.requestId === "string") ids.add(record.requestId);
  }
  return ids;
}

// --- one lane --------------------------------------------------------------------------

interface Credentials {
  /** tokenid -> the secret the store should accept now. */
  secrets: Map<string, string>;
  /** tokenid -> a secret that was superseded (rotated, or its token deleted). */
  superseded: Map<string, string>;
  /** userid -> its current password. */
  passwords: Map<string, string>;
}

function ownerOf(tokenid: string): string {
  return tokenid.slice(0, tokenid.lastIndexOf("!"));
}

function supersede(credentials: Credentials, tokenid: string): void {
  const secret = credentials.secrets.get(tokenid);
  if (secret !== undefined) credentials.superseded.set(tokenid, secret);
  credentials.secrets.delete(tokenid);
}

function recordAcknowledged(credentials: Credentials, op: CrashOp, secret: string | undefined): void {
  switch (op.kind) {
    case "user.add":
    case "user.passwd":
      credentials.passwords.set(op.userid, op.password);
      break;
    case "user.delete":
      credentials.passwords.delete(op.userid);
      for (const tokenid of [...credentials.secrets.keys()]) if (ownerOf(tokenid) === op.userid) supersede(credentials, tokenid);
      break;
    case "token.add":
    case "token.regenerate":
      supersede(credentials, op.tokenid);
      if (secret !== undefined) credentials.secrets.set(op.tokenid, secret);
      break;
    case "token.delete":
      supersede(credentials, op.tokenid);
      break;
    case "user.enable":
    case "token.enable":
    case "acl.grant":
    case "acl.revoke":
    case "probe":
      // No credential changes: whether it still works follows from the stored flags.
      break;
  }
}

/** After a partly applied mutation, credentials follow what is actually stored. */
function reconcile(credentials: Credentials, state: StoredState, pending: CrashOp | null): void {
  for (const [tokenid, secret] of [...credentials.secrets]) {
    if (state.tokenHashes[tokenid] !== computeFakeHash(secret)) supersede(credentials, tokenid);
  }
  for (const [userid, password] of [...credentials.passwords]) {
    if (state.passwordHashes[userid] !== computeFakeHash(password)) credentials.passwords.delete(userid);
  }
  if (
    (pending?.kind === "user.add" || pending?.kind === "user.passwd") &&
    state.passwordHashes[pending.userid] === computeFakeHash(pending.password)
  ) {
    credentials.passwords.set(pending.userid, pending.password);
  }
}

function isActive(state: StoredState, tokenid: string | null, userid: string): boolean {
  const user = state.users[userid];
  if (user === undefined || !user.enable) return false;
  if (tokenid === null) return true;
  const token = state.tokens[tokenid];
  return token !== undefined && token.enable;
}

/** A fresh store on the data dir: every acknowledged credential works and every superseded one does not. */
async function checkCredentials(accessControl: AccessControl, state: StoredState, credentials: Credentials): Promise<number> {
  let checks = 0;
  for (const [tokenid, secret] of credentials.secrets) {
    const auth = await accessControl.authenticateToken(tokenid, secret);
    expect(auth !== null, `acknowledged secret of ${tokenid}`).toBe(isActive(state, tokenid, ownerOf(tokenid)));
    checks += 1;
  }
  for (const [tokenid, secret] of credentials.superseded) {
    expect(await accessControl.authenticateToken(tokenid, secret), `superseded secret of ${tokenid}`).toBeNull();
    checks += 1;
  }
  for (const [userid, password] of credentials.passwords) {
    const login = await accessControl.login({ username: userid, password });
    expect(login !== null, `acknowledged password of ${userid}`).toBe(isActive(state, null, userid));
    checks += 1;
  }
  return checks;
}

async function prepareDataDir(dataDir: string): Promise<StoredState> {
  const store = await openFileStore({ dataDir, lockStaleMs: LOCK_STALE_MS });
  const accessControl = await AccessControl.open({ store, hasher: new FakeHasher() });
  await accessControl.createUser(SYSTEM_ACTOR, { userid: PROBE_USER });
  await accessControl.close();
  const state = emptyStoredState();
  state.users[PROBE_USER] = { userid: PROBE_USER, enable: true, expire: 0 };
  return state;
}

async function runLane(lane: number, kills: number, stats: LaneStats): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), `gatehouse-crash-${lane}-`));
  tempDirs.push(dataDir);
  const random = createSeededRandom(SEED * 31 + lane);
  let baseline = await prepareDataDir(dataDir);
  const credentials: Credentials = { secrets: new Map(), superseded: new Map(), passwords: new Map() };
  let next: CrashChild | null = startChild(dataDir, SEED * 1000 + lane * 100);
  try {
    for (let cycle = 0; cycle < kills; cycle += 1) {
      const child = next;
      if (child === null) throw new Error("no child was started for this cycle");
      child.spawned.child.stdin?.write("go\n");
      await child.waitForReady();
      next = cycle + 1 < kills ? startChild(dataDir, SEED * 1000 + lane * 100 + cycle + 1) : null;
      await sleep(Math.floor(random() * MAX_KILL_DELAY_MS));
      child.spawned.child.kill("SIGKILL");
      await child.closed;
      const killedAt = performance.now();
      stats.kills += 1;

      const failure = child.lines.find((line) => line.type === "error");
      expect(failure, "the child failed on its own before the kill").toBeUndefined();
      let acknowledged = baseline;
      let pending: CrashOp | null = null;
      let pendingSeq = -1;
      const acknowledgedSeqs: number[] = [];
      for (const line of child.lines) {
        if (line.type === "begin") {
          pending = line.op;
          pendingSeq = line.seq;
        }
        if (line.type !== "ack") continue;
        acknowledgedSeqs.push(line.seq);
        acknowledged = applyOp(acknowledged, line.op, line.secret);
        recordAcknowledged(credentials, line.op, line.secret);
        stats.acknowledged += 1;
        pending = null;
      }
      if (pending !== null) stats.killsMidMutation += 1;

      const { state, lockLeft } = readDataDir(dataDir);
      if (lockLeft) stats.killsLeavingLock += 1;
      const verdict = judgeCrashState(state, acknowledged, pending === null ? null : applyOp(acknowledged, pending));
      if (!verdict.ok) {
        throw new Error(`lane ${lane}, kill ${cycle}: ${verdict.reason}; in flight: ${JSON.stringify(pending)}`);
      }
      if (pending !== null && verdict.appliedParts.length > 0) {
        const changed = listChangedParts(acknowledged, applyOp(acknowledged, pending));
        if (verdict.appliedParts.length < changed.length) stats.tornAcrossFiles += 1;
      }
      const childSeed = SEED * 1000 + lane * 100 + cycle;
      const auditedIds = readAuditRequestIds(dataDir);
      for (const seq of acknowledgedSeqs) {
        expect(
          auditedIds.has(crashRequestId(childSeed, seq)),
          `lane ${lane}, kill ${cycle}: acknowledged mutation ${seq} has no audit record`,
        ).toBe(true);
        stats.auditRecordsChecked += 1;
      }
      if (pending !== null) {
        const changed = listChangedParts(acknowledged, applyOp(acknowledged, pending));
        const fullyApplied = verdict.appliedParts.length === changed.length;
        if (auditedIds.has(crashRequestId(childSeed, pendingSeq))) {
          expect(fullyApplied, `lane ${lane}, kill ${cycle}: the in-flight mutation has a record but not all of its files`).toBe(true);
          stats.pendingRecorded += 1;
        }
      }
      // Nothing beyond the mutation in flight: no record of a change never begun.
      for (const id of auditedIds) {
        const match = /^crash-(\d+)-(\d+)$/.exec(id);
        if (match !== null && Number(match[1]) === childSeed) expect(Number(match[2])).toBeLessThanOrEqual(pendingSeq);
      }
      reconcile(credentials, state, pending);

      // The next mutation must get through: open (removes temp files, breaks a stale lock), check, probe.
      const store = await openFileStore({ dataDir, lockStaleMs: LOCK_STALE_MS });
      const openedAt = performance.now();
      expect(
        readdirSync(dataDir).filter((name) => TEMP_FILE.test(name)),
        "temp files left after reopening",
      ).toEqual([]);
      const accessControl = await AccessControl.open({ store, hasher: new FakeHasher() });
      try {
        stats.authChecks += await checkCredentials(accessControl, state, credentials);
        const probeStartedAt = performance.now();
        await accessControl.updateUser(SYSTEM_ACTOR, PROBE_USER, { comment: `cycle ${cycle}` });
        const recoveryMs = openedAt - killedAt + (performance.now() - probeStartedAt);
        stats.maxRecoveryMs = Math.max(stats.maxRecoveryMs, recoveryMs);
        expect(recoveryMs, "time until the next mutation succeeded").toBeLessThan(RECOVERY_BOUND_MS);
      } finally {
        await accessControl.close();
      }
      baseline = applyOp(state, { kind: "probe", cycle });
    }
  } finally {
    next?.spawned.child.kill("SIGKILL");
  }
}

describe("crash safety of the file store (issue 6)", () => {
  test(
    "SIGKILL at random points of user, token and ACL mutations loses no acknowledged change, tears no file and leaves no stuck lock",
    async () => {
      const startedAt = performance.now();
      const lanes = Array.from({ length: LANES }, (): LaneStats => ({
        kills: 0,
        killsMidMutation: 0,
        tornAcrossFiles: 0,
        killsLeavingLock: 0,
        acknowledged: 0,
        authChecks: 0,
        maxRecoveryMs: 0,
        auditRecordsChecked: 0,
        pendingRecorded: 0,
      }));
      await Promise.all(lanes.map((stats, lane) => runLane(lane, KILLS_PER_LANE, stats)));
      const sum = (key: keyof LaneStats) => lanes.reduce((total, stats) => total + stats[key], 0);
      const kills = sum("kills");
      console.info(
        `crash safety: ${kills} SIGKILLs survived in ${LANES} lanes (seed ${SEED}): ` +
          `${sum("killsMidMutation")} mid-mutation, ${sum("tornAcrossFiles")} with the mutation on some files only, ` +
          `${sum("killsLeavingLock")} leaving the store lock behind; ${sum("acknowledged")} acknowledged mutations, ` +
          `${sum("authChecks")} credential checks, ${sum("auditRecordsChecked")} audit records matched ` +
          `(${sum("pendingRecorded")} of a mutation in flight, each written whole); slowest recovery ${Math.round(Math.max(...lanes.map((s) => s.maxRecoveryMs)))} ms ` +
          `(bound ${RECOVERY_BOUND_MS} ms); ${Math.round((performance.now() - startedAt) / 1000)} s`,
      );
      expect(kills).toBeGreaterThanOrEqual(200);
      // The kills must have hit the interesting moments, not only the gaps between mutations.
      expect(sum("killsMidMutation")).toBeGreaterThan(kills / 4);
      expect(sum("killsLeavingLock")).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );
});
