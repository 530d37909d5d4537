// Smoke test of a release tarball, the way an admin would use it: unpack it into
// an empty directory, start `gatehouse/bin/gatehouse serve` with a config file and
// an environment that holds nothing from this checkout (no pnpm, no workspace,
// no node_modules above it), then log in, create a token, use it, read the
// OpenAPI document, the console and the summed metrics of its two workers, run an
// admin CLI command from the tarball, and stop it with SIGTERM.
//
// usage: node scripts/release-smoke.mjs [release/gatehouse-<version>-<os>-<arch>.tar.gz]
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
const ADMIN = "admin@pbs";
const ADMIN_PASSWORD = "smoke-test-admin-password";

const startedAt = Date.now();
const step = (what) => console.log(`release-smoke: ${what} (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);

function findTarball() {
  if (process.argv[2] !== undefined) return resolve(process.argv[2]);
  const names = readdirSync("release").filter((name) => /^gatehouse-.+\.tar\.gz$/.test(name));
  if (names.length !== 1) throw new Error(`expected one release/gatehouse-*.tar.gz, found ${names.length}; run pnpm release`);
  return resolve("release", names[0]);
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

function call(baseUrl, ca, method, path, { headers = {}, form } = {}) {
  const body = form === undefined ? undefined : new URLSearchParams(form).toString();
  return new Promise((resolveCall, reject) => {
    const req = request(
      new URL(path, baseUrl),
      {
        method,
        ca,
        servername: "localhost",
        agent: false,
        headers: body === undefined ? headers : { ...headers, "content-type": "application/x-www-form-urlencoded" },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => resolveCall({ status: res.statusCode, headers: res.headers, text }));
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on("error", reject);
    req.end(body);
  });
}

function expectStatus(response, status, what) {
  if (response.status !== status) throw new Error(`${what}: expected ${status}, got ${response.status}: ${response.text.slice(0, 300)}`);
}

async function main() {
  const tarball = findTarball();
  const root = mkdtempSync(join(tmpdir(), "gatehouse-release-smoke-"));
  let server;
  try {
    const unpackDir = join(root, "opt");
    mkdirSync(unpackDir);
    const untar = spawnSync("tar", ["-xzf", tarball, "-C", unpackDir], { stdio: "inherit" });
    if (untar.status !== 0) throw new Error(`tar exited with ${untar.status}`);
    step(`unpacked ${tarball} into an empty directory`);

    const port = await freePort();
    const dataDir = join(root, "data");
    const configFile = join(root, "gatehouse.env");
    writeFileSync(
      configFile,
      [
        "# written by scripts/release-smoke.mjs",
        "GATEHOUSE_HOST=127.0.0.1",
        `GATEHOUSE_PORT=${port}`,
        `GATEHOUSE_DATA_DIR=${dataDir}`,
        `GATEHOUSE_ADMIN_PASSWORD="${ADMIN_PASSWORD}"`,
        "GATEHOUSE_WORKERS=2",
        "GATEHOUSE_LOG_LEVEL=warn",
      ].join("\n"),
    );
    chmodSync(configFile, 0o600);
    // Only Node and the base system on PATH; nothing of this checkout is reachable.
    const env = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: root, GATEHOUSE_CONFIG: configFile };
    const launcher = join(unpackDir, "gatehouse", "bin", "gatehouse");

    server = spawn(launcher, ["serve"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    server.stdout.on("data", (chunk) => (output += chunk));
    server.stderr.on("data", (chunk) => (output += chunk));
    const exited = new Promise((resolveExit) => server.once("exit", (code, signal) => resolveExit(code ?? signal)));
    const deadline = Date.now() + START_TIMEOUT_MS;
    let baseUrl;
    while (baseUrl === undefined) {
      const match = /listening on (https:\/\/127\.0\.0\.1:\d+) \(2 workers\)/.exec(output);
      if (match !== null) baseUrl = match[1];
      else if (server.exitCode !== null) throw new Error(`the server exited before listening:\n${output}`);
      else if (Date.now() > deadline) throw new Error(`the server did not listen within ${START_TIMEOUT_MS} ms:\n${output}`);
      else await new Promise((r) => setTimeout(r, 50));
    }
    step(`started on Node ${spawnSync(process.execPath, ["--version"], { encoding: "utf8" }).stdout.trim()}: ${baseUrl}`);
    const ca = readFileSync(join(dataDir, "tls", "cert.pem"));

    const login = await call(baseUrl, ca, "POST", "/api2/json/access/ticket", { form: { username: ADMIN, password: ADMIN_PASSWORD } });
    expectStatus(login, 200, "login");
    const { ticket, CSRFPreventionToken: csrf } = JSON.parse(login.text).data;
    const session = { cookie: `__Host-PBSAuthCookie=${ticket}` };
    step("logged in");

    const created = await call(baseUrl, ca, "POST", `/api2/json/access/users/${ADMIN}/token/smoke`, {
      headers: { ...session, CSRFPreventionToken: csrf },
      form: { comment: "release smoke test" },
    });
    expectStatus(created, 200, "token create");
    const { tokenid, value: secret } = JSON.parse(created.text).data;
    step(`created token ${tokenid}`);

    const version = await call(baseUrl, ca, "GET", "/api2/json/version", {
      headers: { authorization: `PBSAPIToken=${tokenid}:${secret}` },
    });
    expectStatus(version, 200, "token use");
    if (!/^[0-9a-f-]{36}$/.test(String(version.headers["x-request-id"]))) throw new Error("no X-Request-Id on the token request");
    const refused = await call(baseUrl, ca, "GET", "/api2/json/version", {
      headers: { authorization: `PBSAPIToken=${tokenid}:not-the-secret` },
    });
    expectStatus(refused, 401, "a wrong secret");
    step(`used the token: version ${JSON.parse(version.text).data.version}`);

    const openapi = await call(baseUrl, ca, "GET", "/api2/json/openapi.json");
    expectStatus(openapi, 200, "openapi.json");
    if (JSON.parse(openapi.text).openapi !== "3.1.0") throw new Error("openapi.json is not OpenAPI 3.1");
    const console_ = await call(baseUrl, ca, "GET", "/");
    expectStatus(console_, 200, "the console");
    if (!/<script[^>]+src="\/assets\//.test(console_.text)) throw new Error("the console's index.html has no built script");
    const metrics = await call(baseUrl, ca, "GET", "/metrics", { headers: session });
    expectStatus(metrics, 200, "metrics");
    const workers = metrics.text.match(/^gatehouse_worker_info\{worker="\d+"\} 1$/gm) ?? [];
    if (workers.length !== 2) throw new Error(`one scrape should cover both workers, saw ${workers.length}`);
    step("served the OpenAPI document, the console and the metrics of both workers");

    const cli = spawnSync(launcher, ["token", "list", ADMIN, "--json"], { cwd: root, env, encoding: "utf8" });
    if (cli.status !== 0 || !cli.stdout.includes(tokenid))
      throw new Error(`gatehouse token list failed (${cli.status}):\n${cli.stdout}${cli.stderr}`);
    step("the admin CLI of the release lists the token");

    server.kill("SIGTERM");
    const timer = setTimeout(() => server.kill("SIGKILL"), STOP_TIMEOUT_MS);
    const code = await exited;
    clearTimeout(timer);
    if (code !== 0) throw new Error(`SIGTERM: expected exit code 0, got ${code}:\n${output}`);
    server = undefined;
    step("stopped cleanly on SIGTERM");
  } finally {
    if (server !== undefined && server.exitCode === null) server.kill("SIGKILL");
    rmSync(root, { recursive: true, force: true });
  }
}

main().then(
  () => console.log("release-smoke: passed"),
  (error) => {
    console.error(`release-smoke: FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
