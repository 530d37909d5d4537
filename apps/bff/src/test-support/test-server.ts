/**
 * Starts the real app on an ephemeral loopback port with a fresh file data dir,
 * the same way a worker does, for in-process integration tests.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AccessControl, openFileStore } from "@gatehouse/auth-core";
import { createApp } from "../app.js";
import { createLogger } from "../logger.js";
import { startHttpsServer, type RunningServer } from "../server.js";
import { loadOrCreateTlsCredentials } from "../tls.js";
import { HttpsTestClient } from "./https-client.js";

export const TEST_ADMIN = "admin@pbs";
export const TEST_ADMIN_PASSWORD = "correct horse battery staple";

export interface TestServer {
  baseUrl: string;
  dataDir: string;
  certPem: string;
  accessControl: AccessControl;
  client: HttpsTestClient;
  server: RunningServer;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  /** An existing data dir (kept on stop); a temporary one otherwise. */
  dataDir?: string;
  webDistDir?: string;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "gatehouse-bff-test-"));
  const store = await openFileStore({ dataDir });
  const accessControl = await AccessControl.open({ store });
  await accessControl.ensureInitialAdmin(TEST_ADMIN_PASSWORD);
  const tls = await loadOrCreateTlsCredentials({ dataDir });
  const app = createApp({
    accessControl,
    logger: createLogger({ level: "silent" }),
    webDistDir: options.webDistDir ?? join(dataDir, "no-web-build"),
  });
  const server = await startHttpsServer({ app, tls, host: "127.0.0.1", port: 0 });
  const baseUrl = `https://127.0.0.1:${server.port}`;
  const client = new HttpsTestClient(baseUrl, tls.cert);
  return {
    baseUrl,
    dataDir,
    certPem: tls.cert,
    accessControl,
    client,
    server,
    async stop() {
      await client.close();
      await server.close(1_000);
      await accessControl.close();
      if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
