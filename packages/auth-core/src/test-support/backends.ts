/**
 * The three backends the issue-14 suites run against, each able to open several
 * handles on one shared store (processes on one data dir, nodes on one schema) and
 * to show the raw bytes of its audit storage, so a test can prove no credential is
 * in them.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isAuditFileName } from "../store/file/audit-file-log.js";
import type { AuditRetention } from "../store/file/audit-file-log.js";
import { openFileStore } from "../store/file/file-store.js";
import { openPostgresStore } from "../store/postgres/postgres-store.js";
import type { AccessStore } from "../store/store.js";
import { MemoryAccessStore, MemoryBackend } from "./memory-store.js";
import { createTestSchemaName, dropTestSchema, runAdminQuery, TEST_DATABASE_URL } from "./postgres-test-database.js";

export interface SharedBackend {
  /** A new handle: another worker process (file), node (PostgreSQL) or sibling (memory). */
  openHandle(): Promise<AccessStore>;
  /** Everything the audit storage holds, as text. */
  readRawAudit(): Promise<string>;
  /** Everything the last-use storage holds, as text. */
  readRawLastUsed(): Promise<string>;
  dispose(): Promise<void>;
}

export type BackendKind = "memory" | "file" | "postgres";

export async function createSharedBackend(
  kind: BackendKind,
  auditRetention?: AuditRetention,
): Promise<SharedBackend & { dataDir?: string }> {
  const handles: AccessStore[] = [];
  const track = (store: AccessStore): AccessStore => {
    handles.push(store);
    return store;
  };
  const closeAll = async () => {
    await Promise.allSettled(handles.map((store) => store.close()));
  };
  if (kind === "memory") {
    const backend = new MemoryBackend();
    return {
      openHandle: () => Promise.resolve(track(new MemoryAccessStore({ backend }))),
      readRawAudit: () => Promise.resolve(JSON.stringify(backend.audit)),
      readRawLastUsed: () => Promise.resolve(JSON.stringify([...backend.lastUsed])),
      dispose: closeAll,
    };
  }
  if (kind === "file") {
    const dataDir = await mkdtemp(join(tmpdir(), "gatehouse-issue14-"));
    return {
      dataDir,
      openHandle: async () => track(await openFileStore({ dataDir, ...(auditRetention === undefined ? {} : { auditRetention }) })),
      readRawAudit: async () => {
        const names = (await readdir(dataDir)).filter(isAuditFileName);
        return (await Promise.all(names.map((name) => readFile(join(dataDir, name), "utf8")))).join("\n");
      },
      readRawLastUsed: async () => readFile(join(dataDir, "last-used.json"), "utf8").catch(() => ""),
      dispose: async () => {
        await closeAll();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  const schema = createTestSchemaName();
  return {
    openHandle: async () => track(await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema, poolSize: 2 })),
    readRawAudit: async () => JSON.stringify(await runAdminQuery(`SELECT * FROM "${schema}".audit ORDER BY id`)),
    readRawLastUsed: async () => JSON.stringify(await runAdminQuery(`SELECT * FROM "${schema}".last_used ORDER BY id`)),
    dispose: async () => {
      await closeAll();
      await dropTestSchema(schema);
    },
  };
}
