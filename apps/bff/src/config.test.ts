import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { formatBaseUrl, loadConfig } from "./config.js";

const configDir = mkdtempSync(join(tmpdir(), "gatehouse-config-"));
afterAll(() => rmSync(configDir, { recursive: true, force: true }));

function writeConfigFile(name: string, text: string, mode = 0o640): string {
  const path = join(configDir, name);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

function expectOk(result: ReturnType<typeof loadConfig>) {
  if (!result.ok) throw new Error(`expected a valid config, got: ${result.error}`);
  return result.value;
}

describe("loadConfig", () => {
  test("an empty environment gives the documented defaults", () => {
    const { config, warnings } = expectOk(loadConfig({}, "/srv/app"));
    expect(config).toEqual({
      host: "127.0.0.1",
      port: 8007,
      dataDir: "/srv/app/data",
      adminPassword: undefined,
      workers: 1,
      databaseUrl: undefined,
      tokenCacheTtlS: 60,
      tls: undefined,
      webDir: undefined,
      logLevel: "info",
      legacyTickets: true,
      exposeWorkerId: false,
      shutdownTimeoutS: 10,
      maxTokensPerUser: 100,
      maxTokens: 200_000,
      webauthn: { rpId: "localhost", origins: ["https://localhost:8007"] },
      auditRetention: { maxFileBytes: 16 * 1024 * 1024, retainedFiles: 4 },
      auditRetainDays: 0,
    });
    expect(warnings).toEqual([]);
  });

  test("every variable is read and relative paths resolve against the working directory", () => {
    const { config } = expectOk(
      loadConfig(
        {
          GATEHOUSE_HOST: "::1",
          GATEHOUSE_PORT: "0",
          GATEHOUSE_DATA_DIR: "var/gh",
          GATEHOUSE_ADMIN_PASSWORD: "hunter2hunter2",
          GATEHOUSE_WORKERS: "4",
          GATEHOUSE_DATABASE_URL: "postgresql://gh:pw@127.0.0.1/gatehouse",
          GATEHOUSE_TOKEN_CACHE_TTL_S: "0",
          GATEHOUSE_TLS_CERT_FILE: "/etc/gh/cert.pem",
          GATEHOUSE_TLS_KEY_FILE: "key.pem",
          GATEHOUSE_WEB_DIR: "web",
          GATEHOUSE_LOG_LEVEL: "silent",
          GATEHOUSE_TEST_EXPOSE_WORKER: "1",
          GATEHOUSE_LEGACY_TICKETS: "off",
          GATEHOUSE_SHUTDOWN_TIMEOUT_S: "30",
          GATEHOUSE_MAX_TOKENS_PER_USER: "5",
          GATEHOUSE_MAX_TOKENS: "1000",
          GATEHOUSE_WEBAUTHN_RP_ID: "backup.example",
          GATEHOUSE_WEBAUTHN_ORIGIN: "https://backup.example:8007, https://backup.example",
          GATEHOUSE_AUDIT_RETAIN_DAYS: "400",
        },
        "/srv/app",
      ),
    );
    expect(config).toEqual({
      host: "::1",
      port: 0,
      dataDir: "/srv/app/var/gh",
      adminPassword: "hunter2hunter2",
      workers: 4,
      databaseUrl: "postgresql://gh:pw@127.0.0.1/gatehouse",
      tokenCacheTtlS: 0,
      tls: { certFile: "/etc/gh/cert.pem", keyFile: "/srv/app/key.pem" },
      webDir: "/srv/app/web",
      logLevel: "silent",
      legacyTickets: false,
      exposeWorkerId: true,
      shutdownTimeoutS: 30,
      maxTokensPerUser: 5,
      maxTokens: 1000,
      webauthn: { rpId: "backup.example", origins: ["https://backup.example:8007", "https://backup.example"] },
      auditRetention: { maxFileBytes: 16 * 1024 * 1024, retainedFiles: 4 },
      auditRetainDays: 400,
    });
  });

  test("the message names every bad variable at once", () => {
    const result = loadConfig(
      {
        GATEHOUSE_PORT: "80x",
        GATEHOUSE_WORKERS: "0",
        GATEHOUSE_TOKEN_CACHE_TTL_S: "-1",
        GATEHOUSE_LOG_LEVEL: "loud",
        GATEHOUSE_LEGACY_TICKETS: "no",
        GATEHOUSE_MAX_TOKENS_PER_USER: "0",
        GATEHOUSE_AUDIT_RETAIN_DAYS: "-1",
      },
      "/",
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toContain("GATEHOUSE_PORT must be an integer from 0 to 65535");
    expect(result.error).toContain("GATEHOUSE_WORKERS must be an integer from 1 to 64");
    expect(result.error).toContain("GATEHOUSE_TOKEN_CACHE_TTL_S must be an integer from 0 to 86400");
    expect(result.error).toContain("GATEHOUSE_LOG_LEVEL must be one of");
    expect(result.error).toContain("GATEHOUSE_LEGACY_TICKETS must be on or off");
    expect(result.error).toContain("GATEHOUSE_MAX_TOKENS_PER_USER must be an integer from 1 to 100000000");
    expect(result.error).toContain("GATEHOUSE_AUDIT_RETAIN_DAYS must be an integer from 0 to 36500");
  });

  test("a bad database URL is named without echoing the URL, which may hold a password", () => {
    const result = loadConfig({ GATEHOUSE_DATABASE_URL: "mysql://user:s3cretpw@db/x" }, "/");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toContain("GATEHOUSE_DATABASE_URL");
    expect(result.error).not.toContain("s3cretpw");
  });

  test("a certificate without its key is refused", () => {
    const result = loadConfig({ GATEHOUSE_TLS_CERT_FILE: "/etc/cert.pem" }, "/");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toContain("GATEHOUSE_TLS_CERT_FILE and GATEHOUSE_TLS_KEY_FILE must be set together");
  });

  test("an empty variable counts as unset", () => {
    const { config } = expectOk(loadConfig({ GATEHOUSE_PORT: "", GATEHOUSE_ADMIN_PASSWORD: "" }, "/"));
    expect(config.port).toBe(8007);
    expect(config.adminPassword).toBeUndefined();
  });

  test("an unknown GATEHOUSE_ variable is reported as a warning", () => {
    const { warnings } = expectOk(loadConfig({ GATEHOUSE_WORKER: "2", HOME: "/root" }, "/"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("unknown variable GATEHOUSE_WORKER ignored");
  });
});

describe("formatBaseUrl", () => {
  test("IPv6 hosts are bracketed", () => {
    expect(formatBaseUrl("127.0.0.1", 8007)).toBe("https://127.0.0.1:8007");
    expect(formatBaseUrl("::1", 8443)).toBe("https://[::1]:8443");
  });
});

describe("GATEHOUSE_CONFIG, the config file", () => {
  test("supplies variables with the same names, quoted or not, comments and blank lines aside", () => {
    const path = writeConfigFile(
      "plain.env",
      [
        "# Gatehouse",
        "",
        "GATEHOUSE_HOST=0.0.0.0",
        'GATEHOUSE_PORT="8443"',
        "GATEHOUSE_DATA_DIR='/var/lib/gatehouse'",
        "export GATEHOUSE_WORKERS = 3",
        "GATEHOUSE_ADMIN_PASSWORD=a long # password",
      ].join("\n"),
    );
    const { config, warnings } = expectOk(loadConfig({ GATEHOUSE_CONFIG: path }, "/srv"));
    expect(config).toMatchObject({
      host: "0.0.0.0",
      port: 8443,
      dataDir: "/var/lib/gatehouse",
      workers: 3,
      adminPassword: "a long # password",
    });
    expect(warnings).toEqual([]);
  });

  test("the environment wins over the file", () => {
    const path = writeConfigFile("override.env", "GATEHOUSE_PORT=8443\nGATEHOUSE_WORKERS=2\n");
    const { config } = expectOk(loadConfig({ GATEHOUSE_CONFIG: path, GATEHOUSE_PORT: "9000" }, "/srv"));
    expect(config.port).toBe(9000);
    expect(config.workers).toBe(2);
  });

  test("a bad value from the file is refused by the same rules, naming the variable, the file and the line, never the value", () => {
    const path = writeConfigFile("bad.env", "GATEHOUSE_HOST=localhost\nGATEHOUSE_WORKERS=lots-of-secret\n");
    const result = loadConfig({ GATEHOUSE_CONFIG: path }, "/srv");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toContain(`GATEHOUSE_WORKERS must be an integer from 1 to 64 (${path}:2)`);
    expect(result.error).not.toContain("lots-of-secret");
  });

  test("a malformed line, a foreign or repeated name and an open quote are each refused with their line", () => {
    const path = writeConfigFile(
      "malformed.env",
      ["GATEHOUSE_PORT=1", "just words", "PATH=/bin", "GATEHOUSE_PORT=2", 'GATEHOUSE_HOST="open', "GATEHOUSE_CONFIG=/x"].join("\n"),
    );
    const result = loadConfig({ GATEHOUSE_CONFIG: path }, "/srv");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toContain("line 2 is not NAME=value");
    expect(result.error).toContain("line 3: PATH is not a GATEHOUSE_ variable");
    expect(result.error).toContain("line 4: GATEHOUSE_PORT is set twice (first on line 1)");
    expect(result.error).toContain("line 5: GATEHOUSE_HOST has an unterminated quote");
    expect(result.error).toContain("line 6: GATEHOUSE_CONFIG cannot be set inside the config file");
  });

  test("a missing file stops the server; a world-readable one and an unknown name are warnings", () => {
    const missing = loadConfig({ GATEHOUSE_CONFIG: join(configDir, "nope.env") }, "/srv");
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.error).toContain("ENOENT");
    const path = writeConfigFile("open.env", "GATEHOUSE_PROT=8007\n", 0o644);
    const { warnings } = expectOk(loadConfig({ GATEHOUSE_CONFIG: path }, "/srv"));
    expect(warnings.join("\n")).toContain("is readable by every user");
    expect(warnings.join("\n")).toContain(`unknown variable GATEHOUSE_PROT (${path}:1) ignored`);
  });
});
