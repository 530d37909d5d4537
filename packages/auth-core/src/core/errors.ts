/**
 * Typed failures the facade throws. The bff maps each class to one HTTP status in
 * a single error handler; nothing else decides status codes.
 */

/** Bad parameter values: HTTP 400 with a per-parameter map. */
export class InvalidParameterError extends Error {
  override readonly name = "InvalidParameterError";
  constructor(
    message: string,
    readonly errors: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The caller is authenticated but lacks a privilege: HTTP 403. */
export class PermissionDeniedError extends Error {
  override readonly name = "PermissionDeniedError";
  constructor(message = "permission check failed") {
    super(message);
  }
}

/** The named user, token or entry does not exist: HTTP 404. */
export class NotFoundError extends Error {
  override readonly name = "NotFoundError";
}

/** Already exists, or the config digest did not match: HTTP 409. */
export class ConflictError extends Error {
  override readonly name = "ConflictError";
}

/**
 * A quota would be exceeded (API tokens per user or in total): HTTP 400, PBS's
 * status for a refused request, with a message that names the limit.
 */
export class QuotaExceededError extends Error {
  override readonly name = "QuotaExceededError";
}

/** The argon2 gate is full, or the source is throttled: HTTP 429 with Retry-After. */
export class TooManyRequestsError extends Error {
  override readonly name = "TooManyRequestsError";
  constructor(
    message: string,
    readonly retryAfterS: number,
  ) {
    super(message);
  }
}

/** The store's cross-process lock could not be taken in time: HTTP 503. */
export class StoreLockTimeoutError extends Error {
  override readonly name = "StoreLockTimeoutError";
  constructor(
    readonly path: string,
    readonly waitedMs: number,
    options?: { cause?: unknown },
  ) {
    super(`could not lock ${path} within ${waitedMs} ms`, options);
  }
}

/** A stored file or row does not parse; never silently replaced with an empty one. */
export class StoreCorruptError extends Error {
  override readonly name = "StoreCorruptError";
  constructor(
    readonly location: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${location}: ${reason}`, options);
  }
}

/**
 * The store's cross-process lock was lost while held (its lock dir was removed or
 * taken over as stale, e.g. after a long event-loop stall). The operation stopped
 * before writing anything: HTTP 503, safe to retry.
 */
export class StoreLockCompromisedError extends Error {
  override readonly name = "StoreLockCompromisedError";
  constructor(
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(`lost the lock ${path} while holding it`, options);
  }
}

/**
 * The PostgreSQL schema was migrated by a newer build than this one. The node
 * refuses to start rather than write rows the newer code does not expect.
 */
export class PostgresSchemaTooNewError extends Error {
  override readonly name = "PostgresSchemaTooNewError";
  constructor(
    readonly schema: string,
    readonly databaseVersion: number,
    readonly supportedVersion: number,
  ) {
    super(
      `PostgreSQL schema "${schema}" is at migration ${databaseVersion}, newer than this build supports (${supportedVersion}); upgrade this node`,
    );
  }
}
