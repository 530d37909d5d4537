import { describe, expect, test } from "vitest";
import { formatBaseUrl, loadConfig } from "./config.js";

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
    });
  });

  test("the message names every bad variable at once", () => {
    const result = loadConfig(
      { GATEHOUSE_PORT: "80x", GATEHOUSE_WORKERS: "0", GATEHOUSE_TOKEN_CACHE_TTL_S: "-1", GATEHOUSE_LOG_LEVEL: "loud", GATEHOUSE_LEGACY_TICKETS: "no" },
      "/",
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toContain("GATEHOUSE_PORT must be an integer from 0 to 65535");
    expect(result.error).toContain("GATEHOUSE_WORKERS must be an integer from 1 to 64");
    expect(result.error).toContain("GATEHOUSE_TOKEN_CACHE_TTL_S must be an integer from 0 to 86400");
    expect(result.error).toContain("GATEHOUSE_LOG_LEVEL must be one of");
    expect(result.error).toContain("GATEHOUSE_LEGACY_TICKETS must be on or off");
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
