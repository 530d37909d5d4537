/**
 * Child-process side of the I1 test (invariants.test.ts), started with spawnTsChild:
 *
 *   token-verifier-child <dataDir> <authid>
 *
 * Opens its own AccessControl on the parent's file data dir and keeps verifying the
 * token's current secret and its recently retired ones from several concurrent
 * loops. The parent announces each mutation after it has returned:
 *
 *   parent -> child  { type: "state", seq, kind, current: string | null, retired: string[] }
 *   child -> parent  { type: "ack", seq }  once ACK_AFTER verifications that started
 *                                          after the child learnt of `seq` have finished
 *   parent -> child  { type: "stop" }
 *   child -> parent  { type: "report", violations, violationsByCause, violationDetails,
 *                      checkedRetired, acceptedCurrent, verifications, metrics }
 *
 * A violation is a retired secret accepted by a verification that started after the
 * child had learnt of the mutation retiring it. `kind` names that mutation
 * ("rotate", "delete-token", ...). Each violation comes with a ViolationDetail: the
 * mutation, the seqs, the versions the request read, the path that accepted the
 * secret and whether the store still held its hash, so that a failure in CI can be
 * diagnosed from the log alone. Startup sends `{ type: "ready" }`; a failure is
 * `{ type: "error", message }` and exit code 1.
 */
import { AccessControl } from "../access/access-control.js";
import { TooManyRequestsError } from "../core/errors.js";
import type { SecretHasher } from "../crypto/password-hash.js";
import { openFileStore, type FileAccessStore } from "../store/file/file-store.js";
import type { StoreVersions } from "../store/store.js";
import { computeFakeHash, FakeHasher } from "./fake-hasher.js";

const VERIFY_LOOPS = 4;
/** Verifications that must finish under a new state before the parent may mutate again. */
const ACK_AFTER = 6;
/** Retired secrets beyond the newest few can no longer be in any cache worth testing. */
const RETIRED_KEPT = 3;
/** Up to 2 ms per hash keeps verifications in flight while the parent mutates. */
const MAX_VERIFY_DELAY_MS = 2;
const UNLIMITED = { maxFailures: Number.MAX_SAFE_INTEGER, windowS: 1 };
/** Violations described in full (the first of each step and path); violationsByCause counts all of them. */
const DETAILS_KEPT = 10;
/** Hash verifications remembered per secret, to tell which one accepted a violating request. */
const VERIFIES_KEPT_PER_SECRET = 16;

interface StateMessage {
  type: "state";
  seq: number;
  /** The mutation just made ("rotate", "delete-token", "disable-token", ...). */
  kind: string;
  current: string | null;
  retired: string[];
}

/** Everything the child knows about one violation; the parent prints it when the test fails. */
export interface ViolationDetail {
  /** The seq and kind of the mutation that retired the secret. */
  retiredAtSeq: number;
  retiredBy: string;
  /** What the child had learnt when the request started, and when it answered. */
  startSeq: number;
  endSeq: number;
  /** Which secret: its index among the secrets announced (1 = the token's first), never the secret itself. */
  secretNumber: number;
  /**
   * How it was accepted: "cache-hit-sync" (answered without a promise), "slow-path-own-verify"
   * (a hash verification begun during the request accepted it), "slow-path-joined-verify"
   * (joined a hash verification begun before the request) or "cache-hit-after-catch-up"
   * (answered by a promise, but no hash verification accepted it meanwhile).
   */
  path: string;
  /** For the slow paths: the seq the child knew when the accepting hash verification began. */
  acceptingVerifyStartSeq: number | null;
  /** The versions the request read (the same per-turn read), and a fresh read after its answer. */
  versionsAtStart: StoreVersions | null;
  versionsAtEnd: StoreVersions | null;
  /** Whether token.shadow still held this secret's hash when the violation was seen. */
  storeStillHoldsSecret: boolean | null;
}

/** One hash verification as the child's hasher saw it. */
interface VerifyRecord {
  startTick: number;
  endTick: number;
  startSeq: number;
  accepted: boolean;
}

function sendToParent(message: unknown): Promise<void> {
  return new Promise((resolveSend, rejectSend) => {
    if (!process.send) {
      rejectSend(new Error("token-verifier-child must run with an IPC channel (spawnTsChild)"));
      return;
    }
    process.send(message, (error: Error | null) => (error ? rejectSend(error) : resolveSend()));
  });
}

function isStateMessage(message: unknown): message is StateMessage {
  return typeof message === "object" && message !== null && (message as { type?: unknown }).type === "state";
}

function isStopMessage(message: unknown): boolean {
  return typeof message === "object" && message !== null && (message as { type?: unknown }).type === "stop";
}

/**
 * Orders the child's events: the start and end of each request and of each hash
 * verification get increasing ticks, so a violation can be traced to the
 * verification that accepted it.
 */
class Ticks {
  private last = 0;
  next(): number {
    this.last += 1;
    return this.last;
  }
}

/** FakeHasher that remembers the recent verifications of each secret. */
class RecordingHasher implements SecretHasher {
  readonly inner = new FakeHasher({ verifyDelayMs: () => Math.random() * MAX_VERIFY_DELAY_MS });
  private readonly records = new Map<string, VerifyRecord[]>();
  currentSeq = 0;

  constructor(private readonly ticks: Ticks) {}

  hash(plain: string): Promise<string> {
    return this.inner.hash(plain);
  }

  async verify(hash: string, plain: string): Promise<boolean> {
    const record: VerifyRecord = {
      startTick: this.ticks.next(),
      endTick: Number.MAX_SAFE_INTEGER,
      startSeq: this.currentSeq,
      accepted: false,
    };
    const kept = this.records.get(plain) ?? [];
    kept.push(record);
    if (kept.length > VERIFIES_KEPT_PER_SECRET) kept.shift();
    this.records.set(plain, kept);
    record.accepted = await this.inner.verify(hash, plain);
    record.endTick = this.ticks.next();
    return record.accepted;
  }

  /** The accepting verifications of `plain` that ended within (startTick, endTick). */
  acceptedDuring(plain: string, startTick: number, endTick: number): VerifyRecord[] {
    return (this.records.get(plain) ?? []).filter((r) => r.accepted && r.endTick > startTick && r.endTick < endTick);
  }
}

class Verifier {
  knownSeq = 0;
  current: string | null = null;
  /** Secret -> the seq and kind of the mutation after which it must never be accepted again. */
  readonly retiredAt = new Map<string, { seq: number; kind: string }>();
  /** Secret -> its number in the order announced, to name it in a report without revealing it. */
  private readonly secretNumbers = new Map<string, number>();
  recentRetired: string[] = [];
  stopping = false;
  violations = 0;
  readonly violationDetails: ViolationDetail[] = [];
  /** "seq <n> <kind> <path>" -> how many violations; covers those beyond DETAILS_KEPT too. */
  readonly violationsByCause: Record<string, number> = {};
  checkedRetired = 0;
  acceptedCurrent = 0;
  verifications = 0;
  private finishedSinceLearnt = 0;
  private ackPending = false;

  constructor(
    private readonly ac: AccessControl,
    private readonly store: FileAccessStore,
    private readonly hasher: RecordingHasher,
    private readonly ticks: Ticks,
    private readonly authid: string,
  ) {}

  learn(message: StateMessage): void {
    for (const secret of [...message.retired, message.current]) {
      if (secret !== null && !this.secretNumbers.has(secret)) this.secretNumbers.set(secret, this.secretNumbers.size + 1);
    }
    for (const secret of message.retired) this.retiredAt.set(secret, { seq: message.seq, kind: message.kind });
    this.recentRetired = [...message.retired, ...this.recentRetired].slice(0, RETIRED_KEPT);
    this.current = message.current;
    this.knownSeq = message.seq;
    this.hasher.currentSeq = message.seq;
    this.finishedSinceLearnt = 0;
    this.ackPending = true;
  }

  async runLoop(offset: number): Promise<void> {
    for (let turn = offset; !this.stopping; turn += 1) {
      const candidates = [this.current, ...this.recentRetired].filter((s): s is string => s !== null);
      const secret = candidates[turn % Math.max(1, candidates.length)];
      if (secret !== undefined) await this.verifyOnce(secret);
      // A rejection from the config cache completes in microtasks alone; without this
      // turn of the event loop the loops would starve IPC and never hear "stop".
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private async verifyOnce(secret: string): Promise<void> {
    const startSeq = this.knownSeq;
    const startTick = this.ticks.next();
    // The same per-turn read the request makes next (only a bump landing between these two lines can differ).
    const versionsAtStart = tryRead(() => this.store.readVersionsThisTurn());
    let accepted = false;
    let synchronous = false;
    try {
      const answer = this.ac.authenticateTokenNow(this.authid, secret);
      synchronous = !(answer instanceof Promise);
      accepted = (await answer) !== null;
    } catch (error) {
      if (!(error instanceof TooManyRequestsError)) throw error;
    }
    const endTick = this.ticks.next();
    this.verifications += 1;
    const retiredAt = this.retiredAt.get(secret);
    if (retiredAt !== undefined && retiredAt.seq <= startSeq) {
      this.checkedRetired += 1;
      if (accepted) {
        this.violations += 1;
        const detail = await this.describeViolation(secret, retiredAt, { startSeq, startTick, endTick, synchronous, versionsAtStart });
        const cause = `seq ${detail.retiredAtSeq} ${detail.retiredBy} ${detail.path}`;
        const seenBefore = this.violationsByCause[cause] !== undefined;
        this.violationsByCause[cause] = (this.violationsByCause[cause] ?? 0) + 1;
        if (!seenBefore && this.violationDetails.length < DETAILS_KEPT) this.violationDetails.push(detail);
      }
    } else if (accepted) {
      this.acceptedCurrent += 1;
    }
    if (startSeq === this.knownSeq) await this.noteFinishedUnderKnownState();
  }

  private async describeViolation(
    secret: string,
    retiredAt: { seq: number; kind: string },
    request: { startSeq: number; startTick: number; endTick: number; synchronous: boolean; versionsAtStart: StoreVersions | null },
  ): Promise<ViolationDetail> {
    const versionsAtEnd = tryRead(() => this.store.readVersions());
    let storeStillHoldsSecret: boolean | null = null;
    try {
      const stored = await this.store.readTokenHash(this.authid);
      storeStillHoldsSecret = stored !== undefined && stored.split("\n").includes(computeFakeHash(secret));
    } catch {
      // Unknown rather than a second failure on top of the violation.
    }
    const accepting = this.hasher.acceptedDuring(secret, request.startTick, request.endTick);
    const own = accepting.find((r) => r.startTick > request.startTick);
    const joined = accepting.find((r) => r.startTick < request.startTick);
    let path: string;
    if (request.synchronous) path = "cache-hit-sync";
    else if (own !== undefined) path = "slow-path-own-verify";
    else if (joined !== undefined) path = "slow-path-joined-verify";
    else path = "cache-hit-after-catch-up";
    return {
      retiredAtSeq: retiredAt.seq,
      retiredBy: retiredAt.kind,
      startSeq: request.startSeq,
      endSeq: this.knownSeq,
      secretNumber: this.secretNumbers.get(secret) ?? 0,
      path,
      acceptingVerifyStartSeq: (own ?? joined)?.startSeq ?? null,
      versionsAtStart: request.versionsAtStart,
      versionsAtEnd,
      storeStillHoldsSecret,
    };
  }

  private async noteFinishedUnderKnownState(): Promise<void> {
    this.finishedSinceLearnt += 1;
    if (this.ackPending && this.finishedSinceLearnt >= ACK_AFTER) {
      this.ackPending = false;
      await sendToParent({ type: "ack", seq: this.knownSeq });
    }
  }
}

function tryRead(read: () => StoreVersions | Promise<StoreVersions> | undefined): StoreVersions | null {
  try {
    const versions = read();
    return versions === undefined || versions instanceof Promise ? null : versions;
  } catch {
    return null;
  }
}

async function main(dataDir: string, authid: string): Promise<void> {
  const store = await openFileStore({ dataDir });
  const ticks = new Ticks();
  const hasher = new RecordingHasher(ticks);
  const ac = await AccessControl.open({
    store,
    hasher,
    // Thousands of deliberate failures must reach the hash, not the throttle.
    sourceThrottle: UNLIMITED,
    identityThrottle: UNLIMITED,
    identityCeiling: UNLIMITED,
    hashQueueLimit: 1_000,
  });
  const verifier = new Verifier(ac, store, hasher, ticks, authid);
  const stopped = new Promise<void>((resolveStop) => {
    process.on("message", (message) => {
      if (isStateMessage(message)) verifier.learn(message);
      else if (isStopMessage(message)) resolveStop();
    });
  });
  let finished = false;
  // An orphan (the parent died) must not keep hashing forever.
  process.on("disconnect", () => {
    if (!finished) process.exit(1);
  });
  await sendToParent({ type: "ready" });

  const loops = Array.from({ length: VERIFY_LOOPS }, (_, i) => verifier.runLoop(i));
  await stopped;
  verifier.stopping = true;
  await Promise.all(loops);
  const metrics = ac.snapshotMetrics();
  await ac.close();
  await sendToParent({
    type: "report",
    violations: verifier.violations,
    violationDetails: verifier.violationDetails,
    violationsByCause: verifier.violationsByCause,
    metrics: { tokenCache: metrics.tokenCache, hashGate: metrics.hashGate },
    checkedRetired: verifier.checkedRetired,
    acceptedCurrent: verifier.acceptedCurrent,
    verifications: verifier.verifications,
  });
  finished = true;
  process.disconnect();
}

main(String(process.argv[2]), String(process.argv[3])).catch(async (error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  await sendToParent({ type: "error", message }).catch(() => undefined);
  process.exit(1);
});
