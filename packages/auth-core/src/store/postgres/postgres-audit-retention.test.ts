/**
 * Decision 033: the PostgreSQL audit table keeps rows for the configured number of
 * days, like the file backend keeps its rotated files; 0 keeps everything.
 */
import { afterEach, expect, it } from "vitest";
import type { AuditEvent } from "../../core/audit.js";
import { openPostgresStore, type PostgresAccessStore } from "./postgres-store.js";
import {
  createTestSchemaName,
  describeWithPostgres,
  dropTestSchema,
  probePostgres,
  TEST_DATABASE_URL,
} from "../../test-support/postgres-test-database.js";

const postgres = await probePostgres();
const DAY_S = 86_400;

const opened: { store: PostgresAccessStore; schema: string }[] = [];
afterEach(async () => {
  for (const { store, schema } of opened.splice(0)) {
    await store.close();
    await dropTestSchema(schema);
  }
});

async function openWithRetention(auditRetentionDays: number | undefined): Promise<PostgresAccessStore> {
  const schema = createTestSchemaName();
  const store = await openPostgresStore({
    connectionString: TEST_DATABASE_URL,
    schema,
    ...(auditRetentionDays === undefined ? {} : { auditRetentionDays }),
  });
  opened.push({ store, schema });
  return store;
}

function eventAgedDays(days: number, target: string): AuditEvent {
  return { time: Math.floor(Date.now() / 1000) - days * DAY_S, actor: "root@pam", action: "user.create", target, outcome: "success" };
}

async function storedTargets(store: PostgresAccessStore): Promise<string[]> {
  const page = await store.readAudit({ limit: 100, start: 0 });
  return page.rows.map((row) => row.target ?? "").sort();
}

describeWithPostgres(postgres, "PostgreSQL audit retention", () => {
  it("deletes rows older than the retention and keeps the newer ones", async () => {
    const store = await openWithRetention(30);
    await store.appendAudit([
      eventAgedDays(400, "ancient@pbs"),
      eventAgedDays(31, "past@pbs"),
      eventAgedDays(29, "recent@pbs"),
      eventAgedDays(0, "today@pbs"),
    ]);
    expect(await store.pruneAudit()).toBe(2);
    expect(await storedTargets(store)).toEqual(["recent@pbs", "today@pbs"]);
    expect(await store.pruneAudit(), "a second run finds nothing").toBe(0);
  });

  it("keeps every row by default", async () => {
    const store = await openWithRetention(undefined);
    await store.appendAudit([eventAgedDays(4000, "ancient@pbs"), eventAgedDays(0, "today@pbs")]);
    expect(await store.pruneAudit()).toBe(0);
    expect(await storedTargets(store)).toEqual(["ancient@pbs", "today@pbs"]);
  });

  it("refuses a retention that is not a whole number of days in range", async () => {
    for (const days of [-1, 1.5, 36_501]) {
      await expect(
        openPostgresStore({ connectionString: TEST_DATABASE_URL, schema: createTestSchemaName(), auditRetentionDays: days }),
      ).rejects.toThrow(RangeError);
    }
  });
});
