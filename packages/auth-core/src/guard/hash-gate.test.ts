import { describe, expect, it } from "vitest";
import { TooManyRequestsError } from "../core/errors.js";
import { HashGate } from "./hash-gate.js";

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

function createDeferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every already-scheduled promise callback run. */
async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** Tasks that finish only when the test says so, recording how many run at once. */
function createControlledTasks() {
  const started: Deferred<string>[] = [];
  let running = 0;
  let maxRunning = 0;
  return {
    started,
    get maxRunning() {
      return maxRunning;
    },
    task: (): Promise<string> => {
      const deferred = createDeferred<string>();
      started.push(deferred);
      running++;
      maxRunning = Math.max(maxRunning, running);
      return deferred.promise.finally(() => {
        running--;
      });
    },
  };
}

describe("HashGate", () => {
  it("runs a task and passes its value through", async () => {
    const gate = new HashGate({ concurrency: 1, queueLimit: 0 });
    await expect(gate.run(null, () => Promise.resolve(42))).resolves.toBe(42);
    expect(gate.stats()).toEqual({ running: 0, queued: 0, rejected: 0, rejectedOwner: 0, backlogged: 0, collapsed: 0, started: 1 });
  });

  it("never runs more than concurrency tasks at once and queues the rest in order", async () => {
    const gate = new HashGate({ concurrency: 2, queueLimit: 10 });
    const tasks = createControlledTasks();
    const results = Array.from({ length: 6 }, () => gate.run(null, tasks.task));
    expect(tasks.started).toHaveLength(2);
    expect(gate.stats()).toMatchObject({ running: 2, queued: 4 });
    for (let i = 0; i < 6; i++) {
      tasks.started[i]?.resolve(`r${i}`);
      await flushMicrotasks();
    }
    expect(await Promise.all(results)).toEqual(["r0", "r1", "r2", "r3", "r4", "r5"]);
    expect(tasks.maxRunning).toBe(2);
    expect(gate.stats()).toEqual({ running: 0, queued: 0, rejected: 0, rejectedOwner: 0, backlogged: 0, collapsed: 0, started: 6 });
  });

  it("rejects at once with TooManyRequestsError past the queue bound", async () => {
    const gate = new HashGate({ concurrency: 1, queueLimit: 2, retryAfterS: 3 });
    const tasks = createControlledTasks();
    const accepted = [gate.run(null, tasks.task), gate.run(null, tasks.task), gate.run(null, tasks.task)];
    const refused = gate.run(null, tasks.task);
    await expect(refused).rejects.toBeInstanceOf(TooManyRequestsError);
    await expect(refused).rejects.toMatchObject({ retryAfterS: 3 });
    expect(tasks.started).toHaveLength(1);
    expect(gate.stats()).toEqual({ running: 1, queued: 2, rejected: 1, rejectedOwner: 0, backlogged: 0, collapsed: 0, started: 1 });
    for (let i = 0; i < 3; i++) {
      tasks.started[i]?.resolve("ok");
      await flushMicrotasks();
    }
    await Promise.all(accepted);
    await expect(gate.run(null, () => Promise.resolve("again"))).resolves.toBe("again");
  });

  it("with a queue limit of 0 refuses everything while all slots are busy", async () => {
    const gate = new HashGate({ concurrency: 1, queueLimit: 0 });
    const tasks = createControlledTasks();
    const first = gate.run(null, tasks.task);
    await expect(gate.run(null, tasks.task)).rejects.toBeInstanceOf(TooManyRequestsError);
    tasks.started[0]?.resolve("done");
    await expect(first).resolves.toBe("done");
  });

  it("runs calls with the same collapse key once and gives them all the result", async () => {
    const gate = new HashGate({ concurrency: 1, queueLimit: 0 });
    const tasks = createControlledTasks();
    const calls = Array.from({ length: 5 }, () => gate.run("alice@pbs!ci\0v1\0fp", tasks.task));
    expect(tasks.started).toHaveLength(1);
    expect(gate.stats()).toMatchObject({ running: 1, queued: 0, rejected: 0, rejectedOwner: 0, collapsed: 4 });
    tasks.started[0]?.resolve("verified");
    expect(await Promise.all(calls)).toEqual(Array(5).fill("verified"));
  });

  it("collapses onto a queued task as well as a running one", async () => {
    const gate = new HashGate({ concurrency: 1, queueLimit: 1 });
    const tasks = createControlledTasks();
    const blocker = gate.run(null, tasks.task);
    const queued = [gate.run("k", tasks.task), gate.run("k", tasks.task)];
    expect(gate.stats()).toMatchObject({ running: 1, queued: 1, collapsed: 1 });
    tasks.started[0]?.resolve("first");
    await flushMicrotasks();
    tasks.started[1]?.resolve("shared");
    expect(await blocker).toBe("first");
    expect(await Promise.all(queued)).toEqual(["shared", "shared"]);
    expect(tasks.started).toHaveLength(2);
  });

  it("does not collapse different keys or null keys", async () => {
    const gate = new HashGate({ concurrency: 4, queueLimit: 0 });
    const tasks = createControlledTasks();
    const calls = [gate.run("a", tasks.task), gate.run("b", tasks.task), gate.run(null, tasks.task), gate.run(null, tasks.task)];
    expect(tasks.started).toHaveLength(4);
    tasks.started.forEach((deferred, i) => deferred.resolve(`r${i}`));
    expect(await Promise.all(calls)).toEqual(["r0", "r1", "r2", "r3"]);
    expect(gate.stats().collapsed).toBe(0);
  });

  it("runs a key afresh once its previous task has settled", async () => {
    const gate = new HashGate({ concurrency: 1, queueLimit: 0 });
    let runs = 0;
    const task = () => Promise.resolve(++runs);
    expect(await gate.run("k", task)).toBe(1);
    expect(await gate.run("k", task)).toBe(2);
  });

  it("releases the slot of a failed task and shares the failure with collapsed callers", async () => {
    const gate = new HashGate({ concurrency: 1, queueLimit: 1 });
    const tasks = createControlledTasks();
    const failing = [gate.run("k", tasks.task), gate.run("k", tasks.task)];
    const next = gate.run(null, tasks.task);
    tasks.started[0]?.reject(new Error("hash read failed"));
    await expect(failing[0]).rejects.toThrow("hash read failed");
    await expect(failing[1]).rejects.toThrow("hash read failed");
    await flushMicrotasks();
    expect(tasks.started).toHaveLength(2);
    tasks.started[1]?.resolve("next");
    await expect(next).resolves.toBe("next");
    expect(gate.stats()).toMatchObject({ running: 0, queued: 0 });
  });

  it("releases the slot of a task that throws synchronously", async () => {
    const gate = new HashGate({ concurrency: 1, queueLimit: 0 });
    const throwing = (): Promise<string> => {
      throw new Error("sync failure");
    };
    await expect(gate.run(null, throwing)).rejects.toThrow("sync failure");
    await expect(gate.run(null, () => Promise.resolve("ok"))).resolves.toBe("ok");
  });

  it("refuses an owner past its share at once, so it cannot take the queue from other owners (findings 4 and 5)", async () => {
    const gate = new HashGate({ concurrency: 2, queueLimit: 32 });
    const tasks = createControlledTasks();
    const flooder = { key: "source:10.0.0.9", limit: 4 };
    const flood = Array.from({ length: 40 }, () => gate.run(null, tasks.task, flooder));
    const outcomes = Promise.allSettled(flood);
    expect(gate.stats()).toMatchObject({ running: 2, queued: 2, rejectedOwner: 36, rejected: 0 });
    // Another owner is admitted: it queues behind the flooder's four instead of being refused.
    const other = gate.run(null, tasks.task, { key: "source:10.0.0.1", limit: 4 });
    expect(gate.stats()).toMatchObject({ queued: 3, rejectedOwner: 36, rejected: 0 });
    for (let i = 0; i < 5; i++) {
      tasks.started[i]?.resolve(`done ${i}`);
      await flushMicrotasks();
    }
    await expect(other).resolves.toBe("done 4");
    const settled = await outcomes;
    expect(settled.filter((o) => o.status === "fulfilled")).toHaveLength(4);
    for (const o of settled) if (o.status === "rejected") expect(o.reason).toBeInstanceOf(TooManyRequestsError);
    // Every slot was given back: the flooder may run four again.
    const again = Array.from({ length: 4 }, () => gate.run(null, () => Promise.resolve("ok"), flooder));
    await expect(Promise.all(again)).resolves.toEqual(["ok", "ok", "ok", "ok"]);
  });

  it("lets an owner's extra calls wait in its own backlog, in order, without taking other owners' places", async () => {
    const gate = new HashGate({ concurrency: 1, queueLimit: 2 });
    const tasks = createControlledTasks();
    const admin = { key: "actor:admin@pbs", limit: 2, backlog: 3 };
    const writes = Array.from({ length: 6 }, () => gate.run(null, tasks.task, admin));
    const outcomes = Promise.allSettled(writes);
    // Two in the gate (one running, one queued), three waiting outside it, one refused.
    expect(gate.stats()).toMatchObject({ running: 1, queued: 1, backlogged: 3, rejectedOwner: 1, rejected: 0 });
    // The shared queue still has room for someone else, ahead of the admin's backlog.
    const other = gate.run(null, tasks.task, { key: "actor:bob@pbs", limit: 2 });
    expect(gate.stats()).toMatchObject({ queued: 2, backlogged: 3, rejected: 0 });
    for (let i = 0; i < 6; i++) {
      tasks.started[i]?.resolve(`done ${i}`);
      await flushMicrotasks();
    }
    // Bob's call was queued before any backlogged write entered, so it ran third.
    await expect(other).resolves.toBe("done 2");
    const settled = await outcomes;
    expect(settled.map((o) => (o.status === "fulfilled" ? o.value : "refused"))).toEqual([
      "done 0",
      "done 1",
      "done 3",
      "done 4",
      "done 5",
      "refused",
    ]);
    expect(tasks.maxRunning).toBe(1);
    expect(gate.stats()).toMatchObject({ running: 0, queued: 0, backlogged: 0 });
  });

  it("collapses onto a backlogged call and forgets its key once it has settled", async () => {
    const gate = new HashGate({ concurrency: 1, queueLimit: 4 });
    const tasks = createControlledTasks();
    const owner = { key: "actor:admin@pbs", limit: 1, backlog: 1 };
    const first = gate.run(null, tasks.task, owner);
    const waiting = [gate.run("k", tasks.task, owner), gate.run("k", tasks.task, owner)];
    expect(gate.stats()).toMatchObject({ backlogged: 1, collapsed: 1, rejectedOwner: 0 });
    tasks.started[0]?.resolve("first");
    await flushMicrotasks();
    tasks.started[1]?.resolve("shared");
    expect(await first).toBe("first");
    expect(await Promise.all(waiting)).toEqual(["shared", "shared"]);
    const fresh = gate.run("k", () => Promise.resolve("fresh"), owner);
    await expect(fresh).resolves.toBe("fresh");
  });

  it("does not count a call that joins an identical pending task against its owner", async () => {
    const gate = new HashGate({ concurrency: 1, queueLimit: 4 });
    const tasks = createControlledTasks();
    const owner = { key: "source:10.0.0.9", limit: 1 };
    const calls = Array.from({ length: 5 }, () => gate.run("same", tasks.task, owner));
    expect(gate.stats()).toMatchObject({ started: 1, collapsed: 4, rejectedOwner: 0 });
    tasks.started[0]?.resolve("shared");
    await expect(Promise.all(calls)).resolves.toEqual(Array(5).fill("shared"));
  });

  it("validates its options eagerly", () => {
    expect(() => new HashGate({ concurrency: 0, queueLimit: 1 })).toThrow(RangeError);
    expect(() => new HashGate({ concurrency: 1.5, queueLimit: 1 })).toThrow(RangeError);
    expect(() => new HashGate({ concurrency: 1, queueLimit: -1 })).toThrow(RangeError);
    expect(() => new HashGate({ concurrency: 1, queueLimit: Number.NaN })).toThrow(RangeError);
    expect(() => new HashGate({ concurrency: 1, queueLimit: 0, retryAfterS: 0 })).toThrow(RangeError);
    expect(() => new HashGate({ concurrency: 1, queueLimit: 0, retryAfterS: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });
});
