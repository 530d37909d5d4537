export { AccessControl, DEFAULT_MAX_TOKENS, DEFAULT_MAX_TOKENS_PER_USER, SYSTEM_ACTOR } from "./access/access-control.js";
export type {
  AccessControlOptions,
  AclView,
  AuthContext,
  AuthenticationRefusal,
  AuthenticationRequest,
  CreateTokenInput,
  CreateUserInput,
  DomainView,
  LoginInput,
  LoginSuccess,
  PermissionsView,
  TokenListRow,
  TokenView,
  UpdateAclInput,
  UpdateTokenInput,
  UpdateUserInput,
  UserView,
} from "./access/access-control.js";
export { ManualClock, nowEpochSeconds, systemClock } from "./core/clock.js";
export type { Clock } from "./core/clock.js";
export {
  ConflictError,
  InvalidParameterError,
  NotFoundError,
  PermissionDeniedError,
  QuotaExceededError,
  StoreCorruptError,
  StoreLockTimeoutError,
  TooManyRequestsError,
} from "./core/errors.js";
export { emptyAccessConfig, emptyAccessState } from "./core/model.js";
export type { AccessConfig, AccessState, AclEntry, RoleId, TokenRecord, UserRecord } from "./core/model.js";
export { err, ok } from "./core/result.js";
export { whenResolved } from "./core/maybe-promise.js";
export type { MaybePromise } from "./core/maybe-promise.js";
export type { Result } from "./core/result.js";
export type { AccessStore, StoredKeys, StoreVersions } from "./store/store.js";
export { TokenSecretCache } from "./cache/secret-cache.js";
export type { TokenSecretCacheOptions } from "./cache/secret-cache.js";
export { ConfigCache } from "./cache/config-cache.js";
export type { ConfigSnapshot } from "./cache/config-cache.js";
export {
  isTokenAuthid,
  parseApiTokenCredential,
  parseApiTokenHeader,
  parseAuthid,
  parseTokenName,
  parseUserid,
  AUTHID_MAX_LENGTH,
  USERID_MAX_LENGTH,
} from "./core/ids.js";
export type { ApiTokenCredential, ParsedApiTokenCredential, ParsedAuthid, ParsedUserid } from "./core/ids.js";
export { generateTokenSecret, isWellFormedTokenSecret } from "./crypto/token-secret.js";
export { StoreLockCompromisedError } from "./core/errors.js";
export { FileAccessStore, openFileStore, STORE_FILES } from "./store/file/file-store.js";
export type { FileStoreOptions } from "./store/file/file-store.js";
export { FileGenerationCounter } from "./store/file/generation.js";
export type { GenerationCounter, GenerationPart, Generations } from "./store/file/generation.js";
export {
  ARGON2_OPTIONS,
  argon2Hasher,
  DUMMY_PASSWORD_HASH,
  hashSecret,
  verifyAgainstDummyHash,
  verifySecretHash,
} from "./crypto/password-hash.js";
export type { SecretHasher } from "./crypto/password-hash.js";
export { ACL_PATH_MAX_LENGTH, computePrivileges, hasPrivilege, isKnownAclPath, isValidAclPath } from "./access/acl.js";
export { EXPIRE_MAX, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, TEXT_FIELD_MAX_LENGTH } from "./core/limits.js";
export { hasForbiddenTextCharacter, replaceForbiddenTextCharacters } from "./core/input-rules.js";
export { isPrivilege, isRoleId, listRoles, NO_ACCESS_ROLE, PRIVILEGES, ROLE_DEFINITIONS, ROLE_IDS, ROLES } from "./core/roles.js";
export type { Privilege, RoleView } from "./core/roles.js";
export {
  createTicket,
  formatTicketInfo,
  generateTicketKeyPair,
  isWithinTicketWindow,
  TICKET_LIFETIME_S,
  TICKET_MAX_LENGTH,
  TICKET_MAX_SKEW_S,
  VerifiedTicketCache,
  verifyTicket,
} from "./crypto/ticket.js";
export type { TicketKeyPair, VerifiedTicket, VerifiedTicketCacheOptions } from "./crypto/ticket.js";
export { createCsrfToken, CSRF_KEY_MIN_BYTES, verifyCsrfToken } from "./crypto/csrf.js";
export { HashGate } from "./guard/hash-gate.js";
export type { HashGateOptions, HashGateStats } from "./guard/hash-gate.js";
export { FailureThrottle } from "./guard/throttle.js";
export type { FailureThrottleOptions } from "./guard/throttle.js";
export { PostgresSchemaTooNewError } from "./core/errors.js";
export { openPostgresStore, PostgresAccessStore } from "./store/postgres/postgres-store.js";
export type { PostgresStoreEvent, PostgresStoreOptions, PostgresStoreStats } from "./store/postgres/postgres-store.js";
export { AUDIT_RETENTION_DAYS_MAX } from "./store/postgres/postgres-audit-retention.js";
export { migratePostgresSchema, POSTGRES_MIGRATIONS } from "./store/postgres/postgres-migrations.js";
export type { PostgresMigration } from "./store/postgres/postgres-migrations.js";
export { computeReconnectDelayMs, DEFAULT_RECONNECT_BACKOFF } from "./store/postgres/postgres-listener.js";
export type { PostgresListenerEvent, PostgresListenerState, ReconnectBackoff } from "./store/postgres/postgres-listener.js";
export { DEFAULT_POSTGRES_SCHEMA, GENERATIONS_CHANNEL } from "./store/postgres/postgres-sql.js";
export type { ThrottleLimits } from "./access/access-control.js";
export { AuthMetrics, LatencyHistogram, VERIFY_LATENCY_BUCKETS_S } from "./guard/auth-metrics.js";
export type { AuthMetricsSnapshot, LatencyHistogramSnapshot } from "./guard/auth-metrics.js";
export {
  computeTokenStatus,
  EXPIRING_WITHIN_S,
  LIST_FILTER_MAX_LENGTH,
  LIST_LIMIT_MAX,
  TOKEN_SORT_KEYS,
  TOKEN_STATUS_FILTERS,
  USER_SORT_KEYS,
} from "./access/listing.js";
export type {
  SortOrder,
  TokenListQuery,
  TokenSortKey,
  TokenStatus,
  TokenStatusFilter,
  UserListQuery,
  UserSortKey,
} from "./access/listing.js";
export { applyPbsImport, PBS_CONFIG_FILES, PbsImportError, planPbsImport, readPbsConfigDir } from "./access/pbs-import.js";
export type { ImportSkip, PbsConfigPlan, PbsImportReport } from "./access/pbs-import.js";
export { classifyCryptHash, SHA256_CRYPT_MAX_ROUNDS, verifySha256Crypt } from "./crypto/legacy-crypt-hash.js";
export type { SecondFactorInput, SecondFactorRequired } from "./access/access-control.js";
export {
  createPartialTicket,
  isPartialTicket,
  PARTIAL_TICKET_LIFETIME_S,
  PARTIAL_TICKET_MAX_LENGTH,
  verifyPartialTicket,
} from "./tfa/partial-ticket.js";
export type { TfaChallenge } from "./tfa/partial-ticket.js";
export { MemoryTfaStore } from "./tfa/tfa-store.js";
export type { TfaStore } from "./tfa/tfa-store.js";
export { FileTfaStore, TFA_FILE } from "./tfa/tfa-file-store.js";
export { PostgresTfaStore } from "./tfa/tfa-postgres-store.js";
export { generateTotpUri, matchTotpStep, parseTotpUri, TOTP_WINDOW_STEPS } from "./tfa/totp.js";
export { RECOVERY_KEY_COUNT } from "./tfa/recovery-keys.js";
export { TFA_FAILURE_LIMIT, TFA_LOCK_TIME_S, TOTP_FAILURE_LIMIT, TwoFactor, WEBAUTHN_CHALLENGE_TTL_S } from "./tfa/two-factor.js";
export type { AddTfaInput, TfaEntryView, TfaType, TfaUpdateInfo, TfaUserView, UpdateTfaInput } from "./tfa/two-factor.js";
export type { WebauthnSettings } from "./tfa/webauthn.js";
export { AUDIT_ACTIONS, AUDIT_LIMIT_MAX, AUDIT_OUTCOMES, looksLikeCredential, toStorableAuditEvent } from "./core/audit.js";
export type { AuditEvent, AuditOutcome, AuditPage, AuditQuery, AuditRecord } from "./core/audit.js";
export { AUDIT_FILE, DEFAULT_AUDIT_RETENTION, isAuditFileName } from "./store/file/audit-file-log.js";
export type { AuditRetention } from "./store/file/audit-file-log.js";
export type { LastUse } from "./store/last-used.js";
export { ROTATION_GRACE_MAX_S } from "./access/token-rotation.js";
