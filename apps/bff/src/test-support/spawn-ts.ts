/**
 * Runs a TypeScript entry point of this package in a child process the way the
 * tests need it: sources resolved through the "source" condition, compiled by tsx,
 * so no build step is involved.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
export const SRC_DIR = fileURLToPath(new URL("../", import.meta.url));

export interface SpawnedTs {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

export function spawnTs(entry: string, args: string[], env: Record<string, string | undefined>): SpawnedTs {
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", `${SRC_DIR}${entry}`, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
  });
  return { child, output: () => output, exited };
}

/** Waits until the output matches, the process exits, or the time runs out. */
export async function waitForOutput(spawned: SpawnedTs, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void spawned.exited.then(() => (exited = true));
  for (;;) {
    const match = pattern.exec(spawned.output());
    if (match !== null) return match;
    if (exited) throw new Error(`process exited before printing ${String(pattern)}:\n${spawned.output()}`);
    if (Date.now() > deadline) throw new Error(`no ${String(pattern)} within ${timeoutMs} ms:\n${spawned.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Runs to completion with optional stdin; returns the exit code and the output. */
export async function runTs(
  entry: string,
  args: string[],
  env: Record<string, string | undefined>,
  stdin = "",
): Promise<{ code: number | string; output: string }> {
  const spawned = spawnTs(entry, args, env);
  spawned.child.stdin?.end(stdin);
  const code = await spawned.exited;
  return { code, output: spawned.output() };
}

/** A free loopback port (for a server that cannot be told to use port 0). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
