/**
 * Conformance: `gatehouse import-pbs DIR` against a running server. The PBS
 * config in packages/auth-core/src/test-support/pbs-config is written in PBS's
 * formats (user.cfg section config, acl.cfg, shadow.json, token.shadow); its
 * sha256-crypt passwords and token secrets must work here as they did on PBS.
 */
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cookieHeaders, tokenHeaders } from "../test-support/https-client.js";
import { logIn } from "../test-support/sessions.js";
import { startTestServer, type TestServer } from "../test-support/test-server.js";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, runCli } from "../cli/run-cli.js";

const PBS_CONFIG_DIR = fileURLToPath(new URL("../../../../packages/auth-core/src/test-support/pbs-config/", import.meta.url));

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

async function importPbs(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(["import-pbs", ...argv], {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    readStdin: () => Promise.resolve(""),
    promptHidden: () => Promise.resolve(null),
    env: { GATEHOUSE_DATA_DIR: server.dataDir },
    cwd: "/",
  });
  return { code, stdout, stderr };
}

describe("gatehouse import-pbs", () => {
  test("imports users, tokens, ACL and hashes, and the running server honours them at once", async () => {
    const run = await importPbs([PBS_CONFIG_DIR]);
    expect(run.code, run.stderr).toBe(EXIT_OK);
    expect(run.stdout).toContain("users: 2 added, 1 already here");
    expect(run.stdout).toMatch(/user root@pam: realm 'pam' is not supported/);
    expect(run.stdout).toMatch(/password bob@pbs: a yescrypt/);

    // alice's PBS password logs in; proxmoxer-style form login.
    const login = await server.client.api("POST", "/access/ticket", { form: { username: "alice@pbs", password: "alice-from-pbs" } });
    expect(login.status, login.text).toBe(200);
    // Her PBS token secret authenticates, with the privileges its imported ACL entry gives.
    const token = tokenHeaders("alice@pbs!backup", "6f1c3c6e-4b8e-4a56-9a1e-2f4d6c0a9b11");
    expect((await server.client.api("GET", "/version", { headers: token })).status).toBe(200);
    const permissions = await server.client.api("GET", "/access/permissions", { query: { path: "/datastore/store1" }, headers: token });
    expect(permissions.json?.data).toEqual({ "/datastore/store1": { "Datastore.Backup": true } });

    const admin = await logIn(server.client);
    const acl = await server.client.api("GET", "/access/acl", { query: { path: "/remote" }, headers: cookieHeaders(admin) });
    expect((acl.json?.data as { ugid: string }[]).map((entry) => entry.ugid).sort()).toEqual(["alice@pbs", "bob@pbs"]);
  });

  test("a second run adds nothing", async () => {
    const run = await importPbs([PBS_CONFIG_DIR, "--json"]);
    expect(run.code, run.stderr).toBe(EXIT_OK);
    const report = JSON.parse(run.stdout) as { added: Record<string, number> };
    expect(report.added).toEqual({ users: 0, tokens: 0, acl: 0, passwords: 0, tokenSecrets: 0 });
  });

  test("refuses a directory that is not a PBS config, and --server", async () => {
    const missing = await importPbs(["/nonexistent-pbs-config"]);
    expect(missing.code).toBe(EXIT_FAILED);
    expect(missing.stderr).toMatch(/cannot read .*user\.cfg/);
    const remote = await importPbs([PBS_CONFIG_DIR, "--server", "https://127.0.0.1:1"]);
    expect(remote.code).toBe(EXIT_USAGE);
    expect((await importPbs([])).code).toBe(EXIT_USAGE);
  });
});
