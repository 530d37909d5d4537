/**
 * Conformance with a real PBS client: Debian's python3-proxmoxer (1.2) logs in with
 * a password, manages users, tokens and ACL entries, meets PBS-shaped errors and
 * then authenticates with an API token, against the real server. See
 * proxmoxer-session.py. scripts/ensure-test-services.sh installs the package.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PRIVILEGES } from "@gatehouse/auth-core";
import { TEST_ADMIN_PASSWORD, startTestServer, type TestServer } from "../test-support/test-server.js";

const run = promisify(execFile);
// Debian's interpreter: python3-proxmoxer is installed for it, whatever python3 is first on PATH.
const DEBIAN_PYTHON = "/usr/bin/python3";
const SESSION_SCRIPT = fileURLToPath(new URL("./proxmoxer-session.py", import.meta.url));
const RUN_TIMEOUT_MS = 60_000;

let server: TestServer;
let workDir: string;

beforeAll(async () => {
  server = await startTestServer();
  workDir = mkdtempSync(join(tmpdir(), "gatehouse-proxmoxer-"));
});

afterAll(async () => {
  await server?.stop();
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

async function requireProxmoxer(): Promise<void> {
  try {
    await run(DEBIAN_PYTHON, ["-c", "import proxmoxer"], { timeout: RUN_TIMEOUT_MS });
  } catch {
    throw new Error(
      "python3-proxmoxer is not installed: run scripts/ensure-test-services.sh (as root) or apt-get install python3-proxmoxer",
    );
  }
}

describe("proxmoxer (python3-proxmoxer) against Gatehouse", () => {
  test("a PBS script's session: login, users, tokens, ACL, errors and token auth", async () => {
    await requireProxmoxer();
    const caFile = join(workDir, "server.pem");
    writeFileSync(caFile, server.certPem);
    const { stdout } = await run(DEBIAN_PYTHON, [SESSION_SCRIPT], {
      timeout: RUN_TIMEOUT_MS,
      env: { ...process.env, GATEHOUSE_URL: server.baseUrl, GATEHOUSE_CA: caFile, GATEHOUSE_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD },
    });
    const seen = JSON.parse(stdout) as Record<string, unknown>;
    const roles = seen["roles"] as Record<string, string[]>;
    expect(roles["Admin"]).toEqual([...PRIVILEGES]);
    expect(roles["DatastoreReader"]).toEqual(["Datastore.Audit", "Datastore.Read", "Datastore.Verify"]);
    expect(seen["access_index"]).toEqual(expect.arrayContaining(["acl", "password", "permissions", "roles", "ticket", "users"]));
    expect(seen["tokenid"]).toBe("proxmoxer@pbs!job");
    expect(seen["acl"]).toEqual([
      { path: "/datastore/store1", ugid: "proxmoxer@pbs", ugid_type: "user", roleid: "DatastoreReader", propagate: true },
      { path: "/datastore/store1", ugid: "proxmoxer@pbs!job", ugid_type: "user", roleid: "DatastoreReader", propagate: true },
    ]);
    expect(seen["bad_path"]).toMatchObject({ status: 400 });
    expect(String((seen["bad_path"] as { text: string }).text)).toContain("invalid acl path '/vms/100'.");
    expect(seen["unknown_path"]).toMatchObject({ status: 404 });
    expect(String((seen["unknown_path"] as { text: string }).text)).toContain("Path '/api2/json/no/such/path' not found.");
    expect(seen["token_version"]).toMatchObject({ version: expect.any(String) as unknown });
    expect(seen["token_permissions"]).toEqual({
      "/datastore/store1": { "Datastore.Audit": true, "Datastore.Read": true, "Datastore.Verify": true },
    });
    // read_acl: a token without Sys.Audit gets 200 and no entries, not 403.
    expect(seen["token_acl"]).toEqual([]);
  });
});
