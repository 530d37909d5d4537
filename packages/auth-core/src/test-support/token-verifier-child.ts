/**
 * Child-process side of the I1 test (invariants.test.ts), started with spawnTsChild:
 *
 *   token-verifier-child <dataDir> <authid>
 *
 * Opens its own AccessControl on the parent's file data dir and keeps verifying the
 * token's current secret and its recently retired ones from several concurrent
 * loops. The parent announces each mutation after it has returned:
 *
 *   parent -> child  { type: "state", seq, current: string | null, retired: string[] }
 *   child -> parent  { type: "ack", seq }  once ACK_AFTER verifications that started
 *                                          after the child learnt of `seq` have finished
 *   parent -> child  { type: "stop" }
 *   child -> parent  { type: "report", violations, checkedRetired, acceptedCurrent, verifications }
 *
 * A violation is a retired secret accepted by a verification that started after the
 * child had learnt of the mutation retiring it. Startup sends `{ type: "ready" }`; a
 * failure is `{ type: "error", message }` and exit code 1.
 */
import { AccessControl } from "../access/access-control.js";
import { TooManyRequestsError } from "../core/errors.js";
import { openFileStore } from "../store/file/file-store.js";
import { FakeHasher } from "./fake-hasher.js";

const VERIFY_LOOPS = 4;
/** Verifications that must finish under a new state before the parent may mutate again. */
const ACK_AFTER = 6;
/** Retired secrets beyond the newest few can no longer be in any cache worth testing. */
const RETIRED_KEPT = 3;
/** Up to 2 ms per hash keeps verifications in flight while the parent mutates. */
const MAX_VERIFY_DELAY_MS = 2;
const UNLIMITED = { maxFailures: Number.MAX_SAFE_INTEGER, windowS: 1 };

interface StateMessage {
  type: "state";
  seq: number;
  current: string | null;
  retired: string[];
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

class Verifier {
  knownSeq = 0;
  current: string | null = null;
  /** Secret -> the seq of the mutation after which it must never be accepted again. */
  readonly retiredAt = new Map<string, number>();
  recentRetired: string[] = [];
  stopping = false;
  violations = 0;
  checkedRetired = 0;
  acceptedCurrent = 0;
  verifications = 0;
  private finishedSinceLearnt = 0;
  private ackPending = false;

  constructor(
    private readonly ac: AccessControl,
    private readonly authid: string,
  ) {}

  learn(message: StateMessage): void {
    for (const secret of message.retired) this.retiredAt.set(secret, message.seq);
    this.recentRetired = [...message.retired, ...this.recentRetired].slice(0, RETIRED_KEPT);
    this.current = message.current;
    this.knownSeq = message.seq;
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
    let accepted = false;
    try {
      accepted = (await this.ac.authenticateToken(this.authid, secret)) !== null;
    } catch (error) {
      if (!(error instanceof TooManyRequestsError)) throw error;
    }
    this.verifications += 1;
    const retiredAt = this.retiredAt.get(secret);
    if (retiredAt !== undefined && retiredAt <= startSeq) {
      this.checkedRetired += 1;
      if (accepted) this.violations += 1;
    } else if (accepted) {
      this.acceptedCurrent += 1;
    }
    if (startSeq === this.knownSeq) await this.noteFinishedUnderKnownState();
  }

  private async noteFinishedUnderKnownState(): Promise<void> {
    this.finishedSinceLearnt += 1;
    if (this.ackPending && this.finishedSinceLearnt >= ACK_AFTER) {
      this.ackPending = false;
      await sendToParent({ type: "ack", seq: this.knownSeq });
    }
  }
}

async function main(dataDir: string, authid: string): Promise<void> {
  const store = await openFileStore({ dataDir });
  const ac = await AccessControl.open({
    store,
    hasher: new FakeHasher({ verifyDelayMs: () => Math.random() * MAX_VERIFY_DELAY_MS }),
    // Thousands of deliberate failures must reach the hash, not the throttle.
    sourceThrottle: UNLIMITED,
    identityThrottle: UNLIMITED,
    identityCeiling: UNLIMITED,
    hashQueueLimit: 1_000,
  });
  const verifier = new Verifier(ac, authid);
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
  await ac.close();
  await sendToParent({
    type: "report",
    violations: verifier.violations,
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
