/**
 * Lowers the CPU priority of libuv's threadpool threads, where every argon2
 * verification runs. The hash gate bounds how many hashes run at once, but on a
 * small machine even two of them take every core, and the event loop, which
 * answers the cached requests, then waits for CPU behind them: in the bench, a
 * flood of wrong passwords cut cached-token throughput by two thirds and pushed the
 * event-loop delay p99 to 85 ms. With the threads at a higher nice value the kernel
 * gives the event loop the CPU first, and the hashes still use every idle cycle.
 *
 * Linux only. Nice values are per thread there, and a thread may always lower its
 * own priority. The threadpool's thread ids are learnt from the threads themselves:
 * an asynchronous readlink of /proc/thread-self runs on a threadpool thread and
 * names that thread. The threadpool also runs asynchronous file system calls; they
 * are on the slow paths too (config reloads, mutations), so they yield as well.
 */
import { readlink } from "node:fs/promises";
import { getPriority, setPriority } from "node:os";

export interface ThreadpoolPriorityOptions {
  /** Added to each thread's nice value, capped at 19. Default 10: a tenth of a nice-0 thread's CPU share. */
  niceIncrement?: number;
}

export type ThreadpoolPriorityResult = { lowered: true; threadIds: number[]; nice: number } | { lowered: false; reason: string };

const DEFAULT_NICE_INCREMENT = 10;
const MAX_NICE = 19;
/** libuv's default and its ceiling for UV_THREADPOOL_SIZE. */
const DEFAULT_THREADPOOL_SIZE = 4;
const MAX_THREADPOOL_SIZE = 1024;
/** Probes per thread and round; rounds end once every thread has answered. */
const PROBES_PER_THREAD = 8;
const MAX_ROUNDS = 50;
const THREAD_SELF = /^\d+\/task\/(\d+)$/;

export function readThreadpoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const configured = Number(env.UV_THREADPOOL_SIZE);
  if (!Number.isInteger(configured) || configured < 1) return DEFAULT_THREADPOOL_SIZE;
  return Math.min(configured, MAX_THREADPOOL_SIZE);
}

/** The thread ids of the threadpool threads that ran at least one probe. */
export async function findThreadpoolThreadIds(size = readThreadpoolSize()): Promise<number[]> {
  const found = new Set<number>();
  for (let round = 0; round < MAX_ROUNDS && found.size < size; round++) {
    // Many probes queued at once wake every idle thread, so each one takes some.
    const links = await Promise.all(Array.from({ length: size * PROBES_PER_THREAD }, () => readlink("/proc/thread-self")));
    for (const link of links) {
      const tid = Number(THREAD_SELF.exec(link)?.[1]);
      if (Number.isInteger(tid) && tid !== process.pid) found.add(tid);
    }
  }
  return [...found].sort((a, b) => a - b);
}

export async function lowerThreadpoolPriority(options: ThreadpoolPriorityOptions = {}): Promise<ThreadpoolPriorityResult> {
  const increment = options.niceIncrement ?? DEFAULT_NICE_INCREMENT;
  if (!Number.isInteger(increment) || increment < 1 || increment > MAX_NICE) {
    throw new RangeError(`lowerThreadpoolPriority: niceIncrement must be an integer from 1 to ${MAX_NICE}, got ${increment}`);
  }
  if (process.platform !== "linux") return { lowered: false, reason: "per-thread priorities need Linux" };
  let threadIds: number[];
  try {
    threadIds = await findThreadpoolThreadIds();
  } catch (error) {
    return { lowered: false, reason: `cannot read /proc/thread-self (${(error as NodeJS.ErrnoException).code ?? "error"})` };
  }
  if (threadIds.length === 0) return { lowered: false, reason: "no threadpool thread answered" };
  const nice = Math.min(MAX_NICE, getPriority(process.pid) + increment);
  for (const tid of threadIds) setPriority(tid, nice);
  return { lowered: true, threadIds, nice };
}
