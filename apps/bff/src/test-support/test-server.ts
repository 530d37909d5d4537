/**
 * Starts the real server (src/main.ts) in a child process with a fresh file data
 * dir and waits for its readiness line. A child process rather than an in-process
 * app: it is the server users run, and vitest's worker runs with
 * `--conditions import`, under which Express 5's router loads the ESM build of
 * `is-promise` through require() and breaks.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpsTestClient } from "./https-client.js";
import { findFreePort, spawnTs, waitForOutput, type SpawnedTs } from "./spawn-ts.js";

export const TEST_ADMIN = "admin@pbs";
export const TEST_ADMIN_PASSWORD = "correct horse battery staple";

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

export interface TestServer {
  baseUrl: string;
  dataDir: string;
  certPem: string;
  client: HttpsTestClient;
  process: SpawnedTs;
  /** SIGTERM, then the exit code (0 for a clean shutdown); safe to call twice. */
  stop(): Promise<number | string>;
}

export interface TestServerOptions {
  /** An existing data dir (kept on stop); a temporary one otherwise. */
  dataDir?: string;
  webDistDir?: string;
  workers?: number;
  env?: Record<string, string>;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "gatehouse-bff-test-"));
  const workers = options.workers ?? 1;
  const spawned = spawnTs("main.ts", [], {
    GATEHOUSE_HOST: "127.0.0.1",
    GATEHOUSE_PORT: String(await findFreePort()),
    GATEHOUSE_DATA_DIR: dataDir,
    GATEHOUSE_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    GATEHOUSE_WORKERS: String(workers),
    GATEHOUSE_WEB_DIR: options.webDistDir ?? join(dataDir, "no-web-build"),
    GATEHOUSE_LOG_LEVEL: "warn",
    ...options.env,
  });
  let match: RegExpExecArray;
  try {
    match = await waitForOutput(spawned, /listening on (https:\/\/127\.0\.0\.1:\d+) \(\d+ workers?\)/, START_TIMEOUT_MS);
  } catch (error) {
    spawned.child.kill("SIGKILL");
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const baseUrl = match[1] ?? "";
  const certPem = readFileSync(join(dataDir, "tls", "cert.pem"), "utf8");
  const client = new HttpsTestClient(baseUrl, certPem);
  let stopping: Promise<number | string> | undefined;
  return {
    baseUrl,
    dataDir,
    certPem,
    client,
    process: spawned,
    stop() {
      stopping ??= (async () => {
        await client.close();
        if (spawned.child.exitCode === null && spawned.child.signalCode === null) spawned.child.kill("SIGTERM");
        const timer = setTimeout(() => spawned.child.kill("SIGKILL"), STOP_TIMEOUT_MS);
        const code = await spawned.exited;
        clearTimeout(timer);
        if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
        return code;
      })();
      return stopping;
    },
  };
}
