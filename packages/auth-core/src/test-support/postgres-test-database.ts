import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, it } from "vitest";

/** Override to point the PostgreSQL suites at another server. */
export const TEST_DATABASE_URL = process.env.GATEHOUSE_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

const PROBE_TIMEOUT_MS = 3_000;

export type PostgresAvailability = { reachable: true } | { reachable: false; reason: string };

/** Whether the test server answers; never throws. Call once at the top of a test file. */
export async function probePostgres(url: string = TEST_DATABASE_URL): Promise<PostgresAvailability> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SELECT 1");
    return { reachable: true };
  } catch (error) {
    return { reachable: false, reason: error instanceof Error ? error.message : String(error) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * `describe` when PostgreSQL is reachable. Otherwise the suite is skipped LOUDLY
 * (a banner on stderr and the reason in the suite name), except under CI=true,
 * where a missing database is a failure: CI must not go green without these suites.
 */
export function describeWithPostgres(availability: PostgresAvailability, name: string, body: () => void): void {
  if (availability.reachable) {
    describe(name, body);
    return;
  }
  const reason = `no PostgreSQL at ${redactUrl(TEST_DATABASE_URL)} (${availability.reason})`;
  if (process.env.CI === "true") {
    describe(name, () => {
      it("needs a reachable PostgreSQL server under CI=true", () => {
        throw new Error(`${reason}; start it or set GATEHOUSE_TEST_DATABASE_URL`);
      });
    });
    return;
  }
  console.warn(
    `\n${"!".repeat(78)}\n!! SKIPPED: ${name}\n!! ${reason}\n!! Start it with: pg_ctlcluster --skip-systemctl-redirect <version> main start\n${"!".repeat(78)}\n`,
  );
  describe.skip(`${name} [SKIPPED: ${reason}]`, body);
}

/** A schema name no other run uses, so parallel runs never share tables. */
export function createTestSchemaName(): string {
  return `gatehouse_test_${randomBytes(6).toString("hex")}`;
}

export async function dropTestSchema(schema: string, url: string = TEST_DATABASE_URL): Promise<void> {
  if (!/^gatehouse_test_[0-9a-f]+$/.test(schema)) throw new Error(`refusing to drop non-test schema ${schema}`);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs one statement on a fresh session, as an operator with psql would. */
export async function runAdminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
  text: string,
  values: unknown[] = [],
  url: string = TEST_DATABASE_URL,
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}
