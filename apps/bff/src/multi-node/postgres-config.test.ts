/**
 * How a node is pointed at PostgreSQL: the GATEHOUSE_DATABASE_* variables and the
 * PostgreSQL branch of openConfiguredStore, in process.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  createTestSchemaName,
  describeWithPostgres,
  dropTestSchema,
  probePostgres,
  runAdminQuery,
  TEST_DATABASE_URL,
} from "@gatehouse/auth-core/testing";
import { loadConfig } from "../config.js";
import { StartupError } from "../errors.js";
import { deriveListenConnectionString, openConfiguredStore } from "../open-store.js";
import { withApplicationName } from "./node-pair.js";

const availability = await probePostgres();
const URL_A = "postgresql://gh:pw@127.0.0.1/gatehouse";

describe("the database variables", () => {
  it("reads the schema and the listen URL next to the database URL", () => {
    const loaded = loadConfig(
      {
        GATEHOUSE_DATABASE_URL: URL_A,
        GATEHOUSE_DATABASE_SCHEMA: "tenant_a",
        GATEHOUSE_DATABASE_LISTEN_URL: "postgres://gh:pw@db-direct:5432/gatehouse",
      },
      "/",
    );
    if (!loaded.ok) throw new Error(loaded.error);
    expect(loaded.value.config).toMatchObject({
      databaseUrl: URL_A,
      databaseSchema: "tenant_a",
      databaseListenUrl: "postgres://gh:pw@db-direct:5432/gatehouse",
    });
  });

  it.each(["Tenant", "1tenant", 'x"; DROP SCHEMA public; --', "a".repeat(64), "tenant-a"])(
    "refuses the schema name %j, naming the variable",
    (schema) => {
      const loaded = loadConfig({ GATEHOUSE_DATABASE_URL: URL_A, GATEHOUSE_DATABASE_SCHEMA: schema }, "/");
      expect(loaded.ok).toBe(false);
      if (loaded.ok) return;
      expect(loaded.error).toContain("GATEHOUSE_DATABASE_SCHEMA must be 1-63 characters of a-z, 0-9 and _");
    },
  );

  it("refuses a schema or listen URL without a database URL instead of silently using the file store", () => {
    const loaded = loadConfig({ GATEHOUSE_DATABASE_SCHEMA: "tenant_a", GATEHOUSE_DATABASE_LISTEN_URL: URL_A }, "/");
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.error).toContain("GATEHOUSE_DATABASE_SCHEMA needs GATEHOUSE_DATABASE_URL");
    expect(loaded.error).toContain("GATEHOUSE_DATABASE_LISTEN_URL needs GATEHOUSE_DATABASE_URL");
  });

  it("refuses a listen URL that is not PostgreSQL without echoing it", () => {
    const loaded = loadConfig({ GATEHOUSE_DATABASE_URL: URL_A, GATEHOUSE_DATABASE_LISTEN_URL: "mysql://u:s3cretpw@db/x" }, "/");
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.error).toContain("GATEHOUSE_DATABASE_LISTEN_URL must be a postgres:// or postgresql:// URL");
    expect(loaded.error).not.toContain("s3cretpw");
  });
});

describe("deriveListenConnectionString", () => {
  it("leaves a URL without application_name alone, so the store names its listener gatehouse-listener", () => {
    expect(deriveListenConnectionString(URL_A, undefined)).toBe(URL_A);
  });

  it("appends -listener to the node's application_name and keeps credentials and other parameters", () => {
    const derived = new URL(
      deriveListenConnectionString("postgres://gh:p%40ss%2Fw%3Ard@127.0.0.1:6432/gh?sslmode=disable&application_name=node-1", undefined),
    );
    expect(derived.searchParams.get("application_name")).toBe("node-1-listener");
    expect(derived.searchParams.get("sslmode")).toBe("disable");
    expect(decodeURIComponent(derived.password)).toBe("p@ss/w:rd");
    expect(derived.host).toBe("127.0.0.1:6432");
    expect(derived.pathname).toBe("/gh");
  });

  it("uses an explicit listen URL as it is", () => {
    const direct = "postgres://gh:pw@db-direct:5432/gh?application_name=mine";
    expect(deriveListenConnectionString(`${URL_A}?application_name=node-1`, direct)).toBe(direct);
  });
});

describeWithPostgres(availability, "openConfiguredStore with GATEHOUSE_DATABASE_URL", () => {
  const schema = createTestSchemaName();
  const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-pg-config-"));

  afterAll(async () => {
    await dropTestSchema(schema);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("opens the PostgreSQL store in the configured schema, its sessions named after the node", async () => {
    const name = `${schema}_node`;
    const store = await openConfiguredStore({ dataDir, databaseUrl: withApplicationName(TEST_DATABASE_URL, name), databaseSchema: schema });
    try {
      expect(store.kind).toBe("postgres");
      const tables = await runAdminQuery<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'generations'",
        [schema],
      );
      expect(tables).toEqual([{ table_name: "generations" }]);
      const sessions = await runAdminQuery<{ application_name: string }>(
        "SELECT DISTINCT application_name FROM pg_stat_activity WHERE application_name LIKE $1 ORDER BY 1",
        [`${name}%`],
      );
      expect(sessions.map((row) => row.application_name)).toEqual([name, `${name}-listener`]);
    } finally {
      await store.close();
    }
  });

  it("fails with a StartupError that does not repeat the password when the database cannot be reached", async () => {
    // Port 1 on loopback: nothing listens there, so the connect is refused at once.
    const attempt = openConfiguredStore({ dataDir, databaseUrl: "postgres://gh:pw-s3cret@127.0.0.1:1/gatehouse", databaseSchema: schema });
    await expect(attempt).rejects.toBeInstanceOf(StartupError);
    await expect(attempt).rejects.toThrow(/cannot open the PostgreSQL store/);
    const message = await attempt.then(
      () => "",
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    expect(message).not.toContain("pw-s3cret");
  });
});
