/** Runs flood.ts in a child process and switches it on and off between measurements. */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { FloodReport } from "./flood.js";

export interface Flood {
  start(): void;
  /** Stops sending, waits for the answers in flight, and reports what was sent since start(). */
  stop(): Promise<FloodReport>;
  close(): Promise<void>;
  /** The flood process, for its CPU time. */
  readonly pid: number;
}

const STOP_TIMEOUT_MS = 30_000;

export function spawnFlood(server: { baseUrl: string; caCertPath: string }, tokenid: string, concurrency: number): Flood {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "flood.ts"), server.baseUrl, tokenid, String(concurrency), server.caCertPath],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const reports: ((report: FloodReport) => void)[] = [];
  if (child.stdout === null || child.stdin === null || child.pid === undefined) throw new Error("flood: no pipes");
  createInterface({ input: child.stdout }).on("line", (line) => reports.shift()?.(JSON.parse(line) as FloodReport));
  const send = (command: string) => child.stdin?.write(`${command}\n`);
  return {
    pid: child.pid,
    start: () => send("start"),
    stop: () =>
      new Promise<FloodReport>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("flood did not stop")), STOP_TIMEOUT_MS);
        reports.push((report) => {
          clearTimeout(timer);
          resolve(report);
        });
        send("stop");
      }),
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      send("exit");
      child.stdin?.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
