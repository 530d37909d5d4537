import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { StoreLockCompromisedError, StoreLockTimeoutError } from "../../core/errors.js";
import { StoreLock } from "./store-lock.js";

let dir: string;
let lockPath: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gatehouse-lock-"));
  lockPath = join(dir, "store.lock");
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A promise with its resolve function, to hold a critical section open from the test. */
function makeGate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolveGate) => {
    open = resolveGate;
  });
  return { opened, open };
}

describe("StoreLock", () => {
  it("runs same-process callers one at a time, in arrival order", async () => {
    const lock = new StoreLock(lockPath, { staleMs: 2_000 });
    let inside = 0;
    let maxInside = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        lock.run(async () => {
          inside += 1;
          maxInside = Math.max(maxInside, inside);
          order.push(i);
          await Promise.resolve();
          inside -= 1;
        }),
      ),
    );
    expect(maxInside).toBe(1);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("two lock objects on one path in one process never overlap", async () => {
    const a = new StoreLock(lockPath, { staleMs: 2_000 });
    const b = new StoreLock(lockPath, { staleMs: 2_000 });
    let inside = 0;
    let maxInside = 0;
    const critical = async (): Promise<void> => {
      inside += 1;
      maxInside = Math.max(maxInside, inside);
      await new Promise((r) => setImmediate(r));
      inside -= 1;
    };
    await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? a : b).run(critical)));
    expect(maxInside).toBe(1);
  });

  it("holds the lock directory only while the critical section runs", async () => {
    const lock = new StoreLock(lockPath, { staleMs: 2_000 });
    const seen = await lock.run(() => Promise.resolve(existsSync(lockPath)));
    expect(seen).toBe(true);
    expect(existsSync(lockPath)).toBe(false);
  });

  it("releases the lock when the critical section throws", async () => {
    const lock = new StoreLock(lockPath, { staleMs: 2_000 });
    await expect(lock.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(existsSync(lockPath)).toBe(false);
    await expect(lock.run(() => Promise.resolve(7))).resolves.toBe(7);
  });

  it("gives up with StoreLockTimeoutError naming the path and the wait when another process holds it", async () => {
    mkdirSync(lockPath);
    const lock = new StoreLock(lockPath, { staleMs: 5_000, timeoutMs: 150 });
    const failure = await lock.run(() => Promise.resolve("entered")).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StoreLockTimeoutError);
    expect((failure as StoreLockTimeoutError).path).toBe(lockPath);
    expect((failure as StoreLockTimeoutError).waitedMs).toBeGreaterThanOrEqual(150);
    expect(existsSync(lockPath)).toBe(true);
  });

  it("a caller queued behind a long holder in the same process times out too", async () => {
    const lock = new StoreLock(lockPath, { staleMs: 2_000, timeoutMs: 100 });
    const gate = makeGate();
    const holder = lock.run(() => gate.opened);
    const queued = lock.run(() => Promise.resolve("entered")).catch((error: unknown) => error);
    expect(await queued).toBeInstanceOf(StoreLockTimeoutError);
    gate.open();
    await holder;
    // The timed-out waiter left the queue: the next caller gets straight in.
    await expect(lock.run(() => Promise.resolve("next"))).resolves.toBe("next");
  });

  it("breaks a lock directory older than staleMs, as a killed holder leaves it", async () => {
    mkdirSync(lockPath);
    const past = new Date(Date.now() - 10_000);
    utimesSync(lockPath, past, past);
    const lock = new StoreLock(lockPath, { staleMs: 2_000, timeoutMs: 1_000 });
    await expect(lock.run(() => Promise.resolve("entered"))).resolves.toBe("entered");
  });

  it("a lock lost while held is reported to the holder instead of crashing the process", async () => {
    const lock = new StoreLock(lockPath, { staleMs: 2_000 });
    const uncaught = vi.fn();
    process.on("uncaughtException", uncaught);
    try {
      const outcome = await lock.run(async (held) => {
        expect(held.compromised).toBeNull();
        expect(() => held.assertHeld()).not.toThrow();
        rmSync(lockPath, { recursive: true });
        // proper-lockfile notices at its next refresh, staleMs/2 = 1 s later. Bounded wait.
        await vi.waitFor(
          () => {
            if (!held.compromised) throw new Error("not yet");
          },
          { timeout: 5_000, interval: 50 },
        );
        return (() => {
          try {
            held.assertHeld();
            return null;
          } catch (error) {
            return error;
          }
        })();
      });
      expect(outcome).toBeInstanceOf(StoreLockCompromisedError);
      expect(uncaught).not.toHaveBeenCalled();
    } finally {
      process.off("uncaughtException", uncaught);
    }
    await expect(lock.run(() => Promise.resolve("again"))).resolves.toBe("again");
  });

  it("refuses a stale time below proper-lockfile's 2 s minimum", () => {
    expect(() => new StoreLock(lockPath, { staleMs: 500 })).toThrow(RangeError);
    expect(() => new StoreLock(lockPath, { timeoutMs: -1 })).toThrow(RangeError);
  });
});

describe("StoreLock: next-in-line claims across processes (decision 013)", () => {
  const claimOf = () => `${lockPath}.next`;
  /** A live process that is not this one: the parent of this test process. */
  const otherLivePid = process.ppid;

  it("does not take a free lock while another live process holds a fresh claim to be next", async () => {
    writeFileSync(claimOf(), `${otherLivePid}\n`);
    const lock = new StoreLock(lockPath, { staleMs: 2_000, timeoutMs: 300 });
    await expect(lock.run(() => Promise.resolve("taken"))).rejects.toBeInstanceOf(StoreLockTimeoutError);
    // The claimant takes the lock and removes its claim: then this process may go.
    rmSync(claimOf());
    await expect(lock.run(() => Promise.resolve("taken"))).resolves.toBe("taken");
  });

  it("ignores a claim of a dead process and a claim not touched for a second", async () => {
    const lock = new StoreLock(lockPath, { staleMs: 2_000, timeoutMs: 300 });
    writeFileSync(claimOf(), "999999999\n");
    await expect(lock.run(() => Promise.resolve("taken"))).resolves.toBe("taken");
    writeFileSync(claimOf(), `${otherLivePid}\n`);
    const past = new Date(Date.now() - 5_000);
    utimesSync(claimOf(), past, past);
    await expect(lock.run(() => Promise.resolve("taken"))).resolves.toBe("taken");
  });

  it("claims the next place while the lock is held elsewhere, and gives it up once it got the lock", async () => {
    // A fresh lock directory is what another live process holding the lock looks like.
    mkdirSync(lockPath);
    const lock = new StoreLock(lockPath, { staleMs: 2_000, timeoutMs: 5_000 });
    const running = lock.run(() => Promise.resolve("taken"));
    await vi.waitFor(() => expect(readFileSync(claimOf(), "utf8").trim()).toBe(String(process.pid)), { timeout: 2_000 });
    rmSync(lockPath, { recursive: true });
    await expect(running).resolves.toBe("taken");
    expect(existsSync(claimOf())).toBe(false);
  });
});
