import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { tokenHeaders } from "../test-support/https-client.js";
import { createToken, logIn, waitPastTicketSecond } from "../test-support/sessions.js";
import { runTs } from "../test-support/spawn-ts.js";
import { TEST_ADMIN, TEST_ADMIN_PASSWORD, startTestServer, type TestServer } from "../test-support/test-server.js";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, runCli, type CliIo } from "./run-cli.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(argv: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    readStdin: () => Promise.resolve(options.stdin ?? ""),
    promptHidden: () => Promise.resolve(null),
    env: options.env ?? { GATEHOUSE_DATA_DIR: server.dataDir },
    cwd: "/",
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

function version(token: { tokenid: string; secret: string }) {
  return server.client.api("GET", "/version", { headers: tokenHeaders(token.tokenid, token.secret) });
}

function readSecret(output: string): string {
  const match = /secret: +([0-9a-f-]{36})/.exec(output);
  if (match?.[1] === undefined) throw new Error(`no secret in: ${output}`);
  return match[1];
}

describe("usage", () => {
  test("--help prints the usage and exits 0; no command exits 2", async () => {
    const help = await cli(["--help"]);
    expect(help.code).toBe(EXIT_OK);
    expect(help.stdout).toContain("Usage: gatehouse");
    expect((await cli([])).code).toBe(EXIT_USAGE);
  });

  test("unknown commands, options and missing arguments exit 2 with a message", async () => {
    for (const argv of [
      ["frobnicate"],
      ["user", "explode"],
      ["user", "list", "--bogus"],
      ["user", "add"],
      ["token", "add", "no-bang@pbs"],
    ]) {
      const run = await cli(argv);
      expect(run.code, argv.join(" ")).toBe(EXIT_USAGE);
      expect(run.stderr, argv.join(" ")).toMatch(/gatehouse: /);
    }
  });

  test("a missing data dir is an error, not a fresh empty store", async () => {
    const run = await cli(["user", "list"], { env: { GATEHOUSE_DATA_DIR: join(server.dataDir, "typo") } });
    expect(run.code).toBe(EXIT_FAILED);
    expect(run.stderr).toContain("does not exist");
  });

  test("--data-dir overrides the environment", async () => {
    const run = await cli(["--data-dir", server.dataDir, "user", "list"], { env: {} });
    expect(run.code, run.stderr).toBe(EXIT_OK);
    expect(run.stdout).toContain(TEST_ADMIN);
  });
});

describe("users", () => {
  test("add with a password from stdin, list, disable, enable and delete, seen by the running server", async () => {
    const added = await cli(["user", "add", "carol@pbs", "--password-stdin", "--comment", "from the CLI"], { stdin: "carol-pw-1\n" });
    expect(added.code, added.stderr).toBe(EXIT_OK);
    await logIn(server.client, "carol@pbs", "carol-pw-1");

    const listed = await cli(["user", "list", "--json"]);
    const users = JSON.parse(listed.stdout) as { userid: string; comment?: string }[];
    expect(users).toEqual(expect.arrayContaining([expect.objectContaining({ userid: "carol@pbs", comment: "from the CLI" })]));
    expect((await cli(["user", "list"])).stdout).toMatch(/carol@pbs +yes +never +from the CLI/);

    const session = await logIn(server.client, "carol@pbs", "carol-pw-1");
    expect((await cli(["user", "disable", "carol@pbs"])).code).toBe(EXIT_OK);
    const rejected = await server.client.api("GET", "/version", { headers: { cookie: `__Host-PBSAuthCookie=${session.ticket}` } });
    expect(rejected.status).toBe(401);
    expect((await cli(["user", "enable", "carol@pbs"])).code).toBe(EXIT_OK);

    expect((await cli(["user", "passwd", "carol@pbs", "--password-stdin"], { stdin: "carol-pw-2\n" })).code).toBe(EXIT_OK);
    await logIn(server.client, "carol@pbs", "carol-pw-2");

    expect((await cli(["user", "delete", "carol@pbs"])).code).toBe(EXIT_OK);
    const again = await server.client.api("POST", "/access/ticket", { body: { username: "carol@pbs", password: "carol-pw-2" } });
    expect(again.status).toBe(401);
  });

  test("end-sessions refuses the user's earlier tickets in the running server, and later logins work (issue 15, finding 7)", async () => {
    expect((await cli(["user", "add", "erin@pbs", "--password-stdin"], { stdin: "erin-pw-1\n" })).code).toBe(EXIT_OK);
    const session = await logIn(server.client, "erin@pbs", "erin-pw-1");
    const asErin = (ticket: string) => server.client.api("GET", "/version", { headers: { cookie: `__Host-PBSAuthCookie=${ticket}` } });
    expect((await asErin(session.ticket)).status).toBe(200);
    await waitPastTicketSecond(session.ticket);
    const ended = await cli(["user", "end-sessions", "erin@pbs"]);
    expect(ended.code, ended.stderr).toBe(EXIT_OK);
    expect(ended.stdout).toContain("ended every session of erin@pbs");
    expect((await asErin(session.ticket)).status).toBe(401);
    expect((await asErin((await logIn(server.client, "erin@pbs", "erin-pw-1")).ticket)).status).toBe(200);
    expect((await cli(["user", "end-sessions", "nobody@pbs"])).code).toBe(EXIT_FAILED);
  });

  test("passwd without a terminal and without --password-stdin exits 2", async () => {
    const run = await cli(["user", "passwd", TEST_ADMIN]);
    expect(run.code).toBe(EXIT_USAGE);
    expect(run.stderr).toContain("--password-stdin");
  });

  test("operations on a missing user fail with exit 1 and a message", async () => {
    const run = await cli(["user", "delete", "nobody@pbs"]);
    expect(run.code).toBe(EXIT_FAILED);
    expect(run.stderr).toMatch(/^gatehouse: .+/);
  });

  test("an invalid userid fails with exit 1 and names the problem", async () => {
    const run = await cli(["user", "add", "no-realm"]);
    expect(run.code).toBe(EXIT_FAILED);
    expect(run.stderr).toContain("gatehouse:");
  });
});

describe("tokens and ACL", () => {
  test("token add prints the secret once; disable and delete revoke it in the running server", async () => {
    const added = await cli(["token", "add", `${TEST_ADMIN}!cli-made`, "--comment", "nightly"]);
    expect(added.code, added.stderr).toBe(EXIT_OK);
    const token = { tokenid: `${TEST_ADMIN}!cli-made`, secret: readSecret(added.stdout) };
    expect(added.stdout).toContain("shown only this once");
    expect((await version(token)).status).toBe(200);

    const listed = await cli(["token", "list", TEST_ADMIN]);
    expect(listed.stdout).toMatch(/admin@pbs!cli-made +yes +never +nightly/);
    expect(listed.stdout).not.toContain(token.secret);

    expect((await cli(["token", "disable", token.tokenid])).code).toBe(EXIT_OK);
    expect((await version(token)).status).toBe(401);
    expect((await cli(["token", "enable", token.tokenid])).code).toBe(EXIT_OK);
    expect((await version(token)).status).toBe(200);
    expect((await cli(["token", "delete", token.tokenid])).code).toBe(EXIT_OK);
    expect((await version(token)).status).toBe(401);
  });

  test("acl set, list and remove", async () => {
    const added = await cli(["token", "add", `${TEST_ADMIN}!acl-cli`, "--json"]);
    const { tokenid } = JSON.parse(added.stdout) as { tokenid: string };
    expect((await cli(["acl", "set", "/access", tokenid, "Audit", "--no-propagate"])).code).toBe(EXIT_OK);
    const listed = await cli(["acl", "list", "--json"]);
    expect(JSON.parse(listed.stdout)).toEqual(
      expect.arrayContaining([{ path: "/access", ugid: tokenid, ugid_type: "user", roleid: "Audit", propagate: false }]),
    );
    expect((await cli(["acl", "list"])).stdout).toMatch(/\/access +admin@pbs!acl-cli +user +Audit +no/);
    expect((await cli(["acl", "remove", "/access", tokenid, "Audit"])).code).toBe(EXIT_OK);
    expect((await cli(["acl", "list"])).stdout).not.toContain("acl-cli");
    expect((await cli(["acl", "set", "/", tokenid, "Superuser"])).code).toBe(EXIT_USAGE);
  });

  test("acl set takes every role of the catalogue, not only Admin, Audit and NoAccess", async () => {
    const added = await cli(["token", "add", `${TEST_ADMIN}!acl-roles`, "--json"]);
    const { tokenid } = JSON.parse(added.stdout) as { tokenid: string };
    const set = await cli(["acl", "set", "/datastore", tokenid, "DatastoreReader"]);
    expect(set.code, set.stderr).toBe(EXIT_OK);
    expect((await cli(["acl", "list"])).stdout).toMatch(/\/datastore +admin@pbs!acl-roles +user +DatastoreReader +yes/);
    const unknown = await cli(["acl", "set", "/", tokenid, "Superuser"]);
    expect(unknown.stderr).toContain("DatastoreReader");
  });

  test("a regenerate by the CLI process is honoured by the server as soon as the process returns", async () => {
    const session = await logIn(server.client);
    const created = await server.client.api("POST", `/access/users/${TEST_ADMIN}/token/cli-rotate`, {
      body: {},
      headers: { cookie: `__Host-PBSAuthCookie=${session.ticket}`, CSRFPreventionToken: session.csrf },
    });
    const old = { tokenid: `${TEST_ADMIN}!cli-rotate`, secret: (created.json?.data as { value: string }).value };
    expect((await version(old)).status).toBe(200);

    const run = await runTs("cli.ts", ["token", "regenerate", old.tokenid], { GATEHOUSE_DATA_DIR: server.dataDir });
    expect(run.code, run.output).toBe(0);
    expect((await version(old)).status).toBe(401);
    expect((await version({ tokenid: old.tokenid, secret: readSecret(run.output) })).status).toBe(200);
  });
});

describe("remote mode (--server), through @gatehouse/client", () => {
  const remote = (argv: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) =>
    cli(["--server", server.baseUrl, "--fingerprint", fingerprintOf(server.certPem), ...argv], { env: {}, ...options });

  test("logs in with the password from stdin, adds a token and prints its secret, which the server accepts", async () => {
    const add = await remote(["token", "add", `${TEST_ADMIN}!remote-cli`, "--comment", "from a laptop"], {
      stdin: `${TEST_ADMIN_PASSWORD}\n`,
    });
    expect(add.stderr).toBe("");
    expect(add.code).toBe(EXIT_OK);
    expect((await version({ tokenid: `${TEST_ADMIN}!remote-cli`, secret: readSecret(add.stdout) })).status).toBe(200);
    const list = await remote(["token", "list", TEST_ADMIN, "--json"], { stdin: `${TEST_ADMIN_PASSWORD}\n` });
    expect(JSON.parse(list.stdout)).toContainEqual(
      expect.objectContaining({ tokenid: `${TEST_ADMIN}!remote-cli`, comment: "from a laptop" }),
    );
  });

  test("stdin holds the login password first, then the new user's password", async () => {
    const add = await remote(["user", "add", "remote-made@pbs", "--password-stdin"], {
      stdin: `${TEST_ADMIN_PASSWORD}\nthe new user's password\n`,
    });
    expect(add.code, add.stderr).toBe(EXIT_OK);
    const login = await server.client.api("POST", "/access/ticket", {
      body: { username: "remote-made@pbs", password: "the new user's password" },
    });
    expect(login.status).toBe(200);
  });

  test("passwd confirms with the login password, as the server demands of a user session", async () => {
    expect(
      (await remote(["user", "add", "remote-passwd@pbs", "--password-stdin"], { stdin: `${TEST_ADMIN_PASSWORD}\nfirst password\n` })).code,
    ).toBe(EXIT_OK);
    const run = await remote(["user", "passwd", "remote-passwd@pbs", "--password-stdin"], {
      stdin: `${TEST_ADMIN_PASSWORD}\nsecond password\n`,
    });
    expect(run.code, run.stderr).toBe(EXIT_OK);
    const login = await server.client.api("POST", "/access/ticket", {
      body: { username: "remote-passwd@pbs", password: "second password" },
    });
    expect(login.status).toBe(200);
  });

  test("GATEHOUSE_TOKEN authenticates without a password, with the token's own privileges", async () => {
    const token = await createToken(await logIn(server.client), TEST_ADMIN, "remote-token");
    const env = { GATEHOUSE_TOKEN: `${token.tokenid}:${token.secret}`, PBS_FINGERPRINT: fingerprintOf(server.certPem) };
    const run = await cli(["--server", server.baseUrl, "user", "list"], { env });
    expect(run.code, run.stderr).toBe(EXIT_OK);
    expect(run.stdout).toContain("USERID");
  });

  test("a wrong fingerprint is refused with a clear message and nothing is sent", async () => {
    const wrong = "00:".repeat(31) + "00";
    const run = await cli(["--server", server.baseUrl, "--fingerprint", wrong, "token", "add", `${TEST_ADMIN}!never`], {
      env: {},
      stdin: `${TEST_ADMIN_PASSWORD}\n`,
    });
    expect(run.code).toBe(EXIT_FAILED);
    expect(run.stderr).toMatch(
      /^gatehouse: refusing to connect to 127\.0\.0\.1:\d+: its TLS certificate fingerprint [0-9a-f:]{95} does not match the pinned fingerprint 00:00/,
    );
    const tokens = await cli(["token", "list", TEST_ADMIN, "--json"]);
    expect(tokens.stdout).not.toContain("!never");
  });

  test("without a fingerprint the self-signed server fails the normal CA check", async () => {
    const run = await cli(["--server", server.baseUrl, "user", "list"], { env: {}, stdin: `${TEST_ADMIN_PASSWORD}\n` });
    expect(run.code).toBe(EXIT_FAILED);
    expect(run.stderr).toContain("self-signed certificate");
  });

  test("a wrong password and bad options are reported as such", async () => {
    const wrongPassword = await remote(["user", "list"], { stdin: "not the password\n" });
    expect(wrongPassword.code).toBe(EXIT_FAILED);
    expect(wrongPassword.stderr).toBe("gatehouse: the server refused: authentication failure (HTTP 401)\n");
    expect((await remote(["user", "list"])).code).toBe(EXIT_USAGE);
    expect((await cli(["--server", "http://127.0.0.1:8007", "user", "list"], { env: {} })).stderr).toContain("https:// URL");
    expect((await cli(["--server", server.baseUrl, "--fingerprint", "xyz", "user", "list"], { env: {} })).code).toBe(EXIT_USAGE);
  });
});

function fingerprintOf(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}
