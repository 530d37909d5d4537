/**
 * Opens the storage backend the configuration asks for: PostgreSQL when
 * GATEHOUSE_DATABASE_URL is set, otherwise the file store in the data dir. main and
 * the CLI both come through here, so they always pick the same backend.
 */
import { DEFAULT_POSTGRES_SCHEMA, openFileStore, openPostgresStore, type AccessStore, type PostgresStoreEvent } from "@gatehouse/auth-core";
import type { ServerConfig } from "./config.js";
import { StartupError } from "./errors.js";
import { createLogger, type Logger } from "./logger.js";

/**
 * What opening a store needs. The database fields beyond the URL are optional so
 * that callers without them (the CLI) get the defaults; without `logLevel` the
 * PostgreSQL store's connection events are not logged.
 */
export type StoreConfig = Pick<ServerConfig, "dataDir" | "databaseUrl"> &
  Partial<Pick<ServerConfig, "databaseSchema" | "databaseListenUrl" | "logLevel" | "auditRetention" | "auditRetainDays">>;

export async function openConfiguredStore(config: StoreConfig): Promise<AccessStore> {
  if (config.databaseUrl === undefined) {
    return openFileStore({
      dataDir: config.dataDir,
      ...(config.auditRetention === undefined ? {} : { auditRetention: config.auditRetention }),
    });
  }
  const schema = config.databaseSchema ?? DEFAULT_POSTGRES_SCHEMA;
  const logger = config.logLevel === undefined ? undefined : createLogger({ level: config.logLevel });
  try {
    return await openPostgresStore({
      connectionString: config.databaseUrl,
      listenConnectionString: deriveListenConnectionString(config.databaseUrl, config.databaseListenUrl),
      schema,
      ...(config.auditRetainDays === undefined ? {} : { auditRetentionDays: config.auditRetainDays }),
      ...(logger === undefined
        ? {}
        : {
            onEvent: (event: PostgresStoreEvent) => logStoreEvent(logger, event),
            onAuditPruneError: (error: unknown) =>
              logger.warn({ err: describeError(error) }, "audit retention prune failed; retried in an hour"),
          }),
    });
  } catch (error) {
    // pg's messages name host, user and database but never the password; the URL itself is not repeated.
    throw new StartupError(`cannot open the PostgreSQL store (schema ${schema}): ${describeError(error)}`, { cause: error });
  }
}

/**
 * The connection string of the LISTEN session. An `application_name` in the URL
 * overrides the store's own names for both of a node's sessions, so the listener
 * gets that name with `-listener` appended: pg_stat_activity then still tells a
 * node's listener apart from its pooled connections, which is how operators (and
 * the fault tests) find it. An explicit GATEHOUSE_DATABASE_LISTEN_URL is used as is.
 */
export function deriveListenConnectionString(databaseUrl: string, listenUrl: string | undefined): string {
  if (listenUrl !== undefined) return listenUrl;
  const url = new URL(databaseUrl);
  const name = url.searchParams.get("application_name");
  if (name === null) return databaseUrl;
  url.searchParams.set("application_name", `${name}-listener`);
  return url.toString();
}

function logStoreEvent(logger: Logger, event: PostgresStoreEvent): void {
  switch (event.type) {
    case "listener-up":
      // The first connect happens at start and is not news; an epoch above 1 is a reconnect.
      if (event.epoch > 1) logger.info({ epoch: event.epoch }, "PostgreSQL listener reconnected; token and config caches flushed");
      return;
    case "listener-down":
      logger.warn(
        { err: describeError(event.error) },
        "PostgreSQL listener lost; every request reads the generation row until it reconnects",
      );
      return;
    case "listener-reconnect-scheduled":
      logger.debug({ attempt: event.attempt, delayMs: event.delayMs }, "PostgreSQL listener reconnect scheduled");
      return;
    case "listener-connect-failed":
      logger.warn({ attempt: event.attempt, err: describeError(event.error) }, "PostgreSQL listener reconnect failed");
      return;
    case "notifications-missed":
      logger.warn({ epoch: event.epoch }, "PostgreSQL listener missed a generation bump; caches flushed");
      return;
    case "pool-error":
      logger.warn({ err: describeError(event.error) }, "idle PostgreSQL pool connection failed");
      return;
  }
}

/** Message and SQLSTATE only: a whole pg error object also carries the query and its parameters. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? `${error.message} (${code})` : error.message;
}
