/**
 * Starts the real built server (`apps/bff/dist/main.js`) in a child process with a
 * fresh data dir, and waits for its readiness line. Only loopback addresses are used.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const REPO_ROOT = resolve(import.meta.dirname, "../..");
const READY_PATTERN = /listening on (https:\/\/\S+)/;
const START_TIMEOUT_MS = 60_000;

export interface RunningServer {
  baseUrl: string;
  dataDir: string;
  /**
   * The server's self-signed certificate (PEM), the one trust anchor every bench
   * client passes as `ca`: nothing in the bench turns certificate checks off.
   */
  caCertPem: string;
  caCertPath: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface ServerOptions {
  workers: number;
  adminPassword: string;
  extraEnv?: Record<string, string>;
  dataDir?: string;
}

/**
 * Extra node flags for the server from BENCH_SERVER_NODE_ARGS (space-separated), for
 * example `--cpu-prof --cpu-prof-dir=/tmp/prof`: node refuses `--cpu-prof` in
 * NODE_OPTIONS, and a profile of the server is what a scale finding needs.
 */
function serverNodeArgs(): string[] {
  return (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter((arg) => arg !== "");
}

export async function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "gatehouse-bench-"));
  const port = await findFreePort();
  const child = spawn(process.execPath, [...serverNodeArgs(), join(REPO_ROOT, "apps/bff/dist/main.js")], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      GATEHOUSE_HOST: "127.0.0.1",
      GATEHOUSE_PORT: String(port),
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_WORKERS: String(options.workers),
      GATEHOUSE_ADMIN_PASSWORD: options.adminPassword,
      ...options.extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });

  const baseUrl = await new Promise<string>((resolveUrl, reject) => {
    let output = "";
    const timer = setTimeout(() => {
      reject(new Error(`server did not start within ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`server exited with code ${code} before it was ready:\n${output}`));
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = READY_PATTERN.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        // Detach at once: the server logs every request, and appending each log chunk
        // to `output` and scanning it again is quadratic work that once ate a whole
        // core of the bench process and made autocannon look like the bottleneck.
        child.stdout?.off("data", onData);
        child.stderr?.off("data", onData);
        child.off("exit", onExit);
        resolveUrl(match[1].replace(/\/$/, ""));
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
  });
  // Keep draining the pipes (and discarding what they carry) so a chatty server
  // never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();

  const caCertPath = join(dataDir, "tls", "cert.pem");
  return {
    baseUrl,
    dataDir,
    caCertPem: readFileSync(caCertPath, "utf8"),
    caCertPath,
    process: child,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
