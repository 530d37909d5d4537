/**
 * Child-process side of the file store's cross-process tests, started with
 * spawnTsChild. Commands (argv):
 *
 *   mutate <dataDir> <prefix> <count>   count mutations, each adding a user and
 *                                       incrementing the shared counter user's expire
 *   hold-lock <dataDir> <staleMs>       takes the store lock and keeps it until killed
 *   lock-loop <dataDir> <holdMs>        takes the store lock again and again, holding
 *                                       it holdMs each time and re-requesting it at
 *                                       once, until killed (reports "looping")
 *   write-loop <path> <count> <bytes>   atomically rewrites <path> count times with
 *                                       `{"variant":0|1,"fill":"aaa…"|"bbb…"}`, the fill
 *                                       <bytes> long, until killed or done
 *
 * Every command reports `{ type: "ready" }` when set up and `{ type: "done" }` when
 * finished; a failure is `{ type: "error", message }` and exit code 1.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../store/file/atomic-file.js";
import { openFileStore, STORE_FILES } from "../store/file/file-store.js";
import { StoreLock } from "../store/file/store-lock.js";

function sendToParent(message: unknown): Promise<void> {
  return new Promise((resolveSend, rejectSend) => {
    if (!process.send) {
      rejectSend(new Error("store-child must run with an IPC channel (spawnTsChild)"));
      return;
    }
    process.send(message, (error: Error | null) => (error ? rejectSend(error) : resolveSend()));
  });
}

async function runMutate(dataDir: string, prefix: string, count: number): Promise<void> {
  const store = await openFileStore({ dataDir });
  await sendToParent({ type: "ready" });
  for (let i = 0; i < count; i += 1) {
    await store.mutate((state) => {
      const userid = `${prefix}${i}@pbs`;
      state.config.users[userid] = { userid, enable: true, expire: 0 };
      state.tokenHashes[`${userid}!t`] = `hash-${prefix}-${i}`;
      const counter = state.config.users["counter@pbs"] ?? { userid: "counter@pbs", enable: true, expire: 0 };
      counter.expire += 1;
      state.config.users["counter@pbs"] = counter;
    });
  }
  await store.close();
  await sendToParent({ type: "done" });
}

async function runHoldLock(dataDir: string, staleMs: number): Promise<void> {
  const lock = new StoreLock(join(dataDir, STORE_FILES.lock), { staleMs });
  await lock.run(async () => {
    await sendToParent({ type: "locked" });
    // Held until the parent kills this process; the disconnect handler ends an orphan.
    await new Promise<never>(() => setInterval(() => undefined, 60_000));
  });
}

async function runLockLoop(dataDir: string, holdMs: number): Promise<void> {
  const lock = new StoreLock(join(dataDir, STORE_FILES.lock));
  let reported = false;
  for (;;) {
    await lock.run(async () => {
      if (!reported) {
        reported = true;
        await sendToParent({ type: "looping" });
      }
      await new Promise((resolveHold) => setTimeout(resolveHold, holdMs));
    });
  }
}

async function runWriteLoop(path: string, count: number, bytes: number): Promise<void> {
  const contents = [
    JSON.stringify({ variant: 0, fill: "a".repeat(bytes) }),
    JSON.stringify({ variant: 1, fill: "b".repeat(bytes) }),
  ] as const;
  await writeFileAtomic(path, contents[0], { mode: 0o600 });
  await sendToParent({ type: "ready" });
  for (let i = 1; i <= count; i += 1) {
    await writeFileAtomic(path, contents[i % 2 === 0 ? 0 : 1], { mode: 0o600 });
  }
  await sendToParent({ type: "done" });
}

async function main(argv: string[]): Promise<void> {
  const [command = "", ...rest] = argv;
  switch (command) {
    case "mutate":
      return runMutate(String(rest[0]), String(rest[1]), Number(rest[2]));
    case "hold-lock":
      return runHoldLock(String(rest[0]), Number(rest[1]));
    case "lock-loop":
      return runLockLoop(String(rest[0]), Number(rest[1]));
    case "write-loop":
      return runWriteLoop(String(rest[0]), Number(rest[1]), Number(rest[2]));
    default:
      throw new Error(`store-child: unknown command ${command}`);
  }
}

// Exit when the parent goes away, so a crashed test run leaves no orphan behind.
process.on("disconnect", () => process.exit(0));

main(process.argv.slice(2)).then(
  () => {
    process.disconnect?.();
  },
  async (error: unknown) => {
    await sendToParent({ type: "error", message: error instanceof Error ? error.message : String(error) }).catch(() => undefined);
    process.exit(1);
  },
);
