/**
 * Runs a TypeScript file in a separate Node process, for tests that need real
 * processes: cross-process locking, a SIGKILLed lock holder, several workers
 * sharing one data dir. The child resolves workspace packages to their sources
 * (`--conditions=source`) and loads TypeScript through tsx.
 */
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

export interface TsChildOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface TsChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface TsChild {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Settles when the child has exited, however it ended. */
  readonly exited: Promise<TsChildExit>;
  send(message: unknown): void;
  /**
   * The first message (received before or after this call) that `matches`, or the
   * first message at all. Rejects when the child exits first or `timeoutMs` passes.
   */
  nextMessage(matches?: (message: unknown) => boolean, timeoutMs?: number): Promise<unknown>;
  /** Everything the child wrote to stderr so far, for failure messages. */
  stderr(): string;
  /** Sends a signal if the child still runs; SIGKILL by default. */
  kill(signal?: NodeJS.Signals): void;
}

const DEFAULT_MESSAGE_TIMEOUT_MS = 15_000;
/** Keeps a chatty child from growing the parent's memory without bound. */
const MAX_STDERR_CHARS = 64_000;

/** tsx's ESM loader, resolved from this package so the child's cwd does not matter. */
function resolveTsxLoaderUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
}

export function spawnTsChild(scriptPath: string, args: string[], opts: TsChildOptions = {}): TsChild {
  const child = fork(scriptPath, args, {
    execArgv: ["--conditions=source", "--import", resolveTsxLoaderUrl()],
    stdio: ["ignore", "inherit", "pipe", "ipc"],
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  if (child.pid === undefined) throw new Error(`could not start a child process for ${scriptPath}`);

  let stderrText = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    if (stderrText.length < MAX_STDERR_CHARS) stderrText += chunk;
  });

  const describeStderr = (): string => (stderrText ? `; stderr: ${stderrText.slice(-2000)}` : "");

  const inbox: unknown[] = [];
  const listeners = new Set<() => void>();
  let exit: TsChildExit | null = null;
  const exited = new Promise<TsChildExit>((resolveExit) => {
    child.once("exit", (code, signal) => {
      exit = { code, signal };
      resolveExit(exit);
      for (const notify of [...listeners]) notify();
    });
  });
  child.on("message", (message) => {
    inbox.push(message);
    for (const notify of [...listeners]) notify();
  });

  function nextMessage(matches: (message: unknown) => boolean = () => true, timeoutMs = DEFAULT_MESSAGE_TIMEOUT_MS): Promise<unknown> {
    return new Promise((resolveMessage, rejectMessage) => {
      const check = (): boolean => {
        const index = inbox.findIndex(matches);
        if (index >= 0) {
          const [message] = inbox.splice(index, 1);
          finish();
          resolveMessage(message);
          return true;
        }
        if (exit) {
          finish();
          const how = `code ${exit.code}, signal ${exit.signal}`;
          rejectMessage(new Error(`child ${child.pid} exited (${how}) before the awaited message${describeStderr()}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        rejectMessage(new Error(`no awaited message from child ${child.pid} within ${timeoutMs} ms${describeStderr()}`));
      }, timeoutMs);
      const listener = (): void => {
        check();
      };
      function finish(): void {
        clearTimeout(timer);
        listeners.delete(listener);
      }
      if (!check()) listeners.add(listener);
    });
  }

  return {
    process: child,
    pid: child.pid,
    exited,
    send(message: unknown) {
      child.send(message as Parameters<ChildProcess["send"]>[0]);
    },
    nextMessage,
    stderr: () => stderrText,
    kill(signal: NodeJS.Signals = "SIGKILL") {
      if (exit === null && child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** A message of the form `{ type }`, as the test-support child scripts send. */
export function isMessageOfType(type: string): (message: unknown) => boolean {
  return (message) => typeof message === "object" && message !== null && (message as { type?: unknown }).type === type;
}
