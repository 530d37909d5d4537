/**
 * Opens the storage backend the configuration asks for. The file store is the
 * default; the PostgreSQL branch belongs in this file too, keyed on
 * GATEHOUSE_DATABASE_URL, so main and the CLI pick backends the same way.
 */
import { openFileStore, type AccessStore } from "@gatehouse/auth-core";
import type { ServerConfig } from "./config.js";
import { StartupError } from "./errors.js";

export async function openConfiguredStore(config: Pick<ServerConfig, "dataDir" | "databaseUrl">): Promise<AccessStore> {
  if (config.databaseUrl !== undefined) {
    throw new StartupError("GATEHOUSE_DATABASE_URL is set, but this build has no PostgreSQL backend yet; unset it to use the file store");
  }
  return openFileStore({ dataDir: config.dataDir });
}
