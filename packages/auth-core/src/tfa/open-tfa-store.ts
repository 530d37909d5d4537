/** The second-factor store that belongs beside an access store: same data dir, same database. */
import { FileAccessStore } from "../store/file/file-store.js";
import { PostgresAccessStore } from "../store/postgres/postgres-store.js";
import type { AccessStore } from "../store/store.js";
import { FileTfaStore } from "./tfa-file-store.js";
import { PostgresTfaStore } from "./tfa-postgres-store.js";
import { MemoryTfaStore, type TfaStore } from "./tfa-store.js";

export function openTfaStoreBeside(store: AccessStore): TfaStore {
  if (store instanceof FileAccessStore) return new FileTfaStore(store.dataDir);
  if (store instanceof PostgresAccessStore) {
    const { pool, quotedSchema } = store.tfaStoreBackend();
    return new PostgresTfaStore(pool, quotedSchema);
  }
  // Test stores keep everything in memory; their second factors do too.
  return new MemoryTfaStore();
}
