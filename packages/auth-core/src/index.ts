export { AccessControl } from "./access/access-control.js";
export { DEFAULT_MAX_TOKENS, DEFAULT_MAX_TOKENS_PER_USER } from "./access/tokens.js";
export { SYSTEM_ACTOR } from "./access/types.js";
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
  SecondFactorInput,
  SecondFactorRequired,
  TokenListRow,
  TokenView,
  UpdateAclInput,
  UpdateTokenInput,
  UpdateUserInput,
  UserView,
} from "./access/types.js";
export { nowEpochSeconds } from "./core/clock.js";
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

export type { AccessConfig, AccessState, AclEntry, RoleId, TokenRecord, UserRecord } from "./core/model.js";
export { err, ok } from "./core/result.js";
export { whenResolved } from "./core/maybe-promise.js";
export type { MaybePromise } from "./core/maybe-promise.js";
export type { Result } from "./core/result.js";
export type { AccessStore, StoredKeys, StoreVersions } from "./store/store.js";

export type { TokenSecretCacheOptions } from "./cache/secret-cache.js";

export type { ConfigSnapshot } from "./cache/config-cache.js";
export { parseApiTokenHeader, parseAuthid, parseTokenName, parseUserid, AUTHID_MAX_LENGTH, USERID_MAX_LENGTH } from "./core/ids.js";
export type { ApiTokenCredential, ParsedApiTokenCredential, ParsedAuthid, ParsedUserid } from "./core/ids.js";

export { StoreLockCompromisedError } from "./core/errors.js";
export { openFileStore, STORE_FILES } from "./store/file/file-store.js";
export type { FileStoreOptions } from "./store/file/file-store.js";

export type { GenerationCounter, GenerationPart, Generations } from "./store/file/generation.js";
export { argon2Hasher, DUMMY_PASSWORD_HASH, hashSecret } from "./crypto/password-hash.js";
export type { SecretHasher } from "./crypto/password-hash.js";
export { ACL_PATH_MAX_LENGTH } from "./access/acl.js";
export { EXPIRE_MAX, PASSWORD_MAX_LENGTH, TEXT_FIELD_MAX_LENGTH } from "./core/limits.js";
export { hasForbiddenTextCharacter, replaceForbiddenTextCharacters } from "./core/input-rules.js";
export { isRoleId, listRoles, PRIVILEGES, ROLE_IDS } from "./core/roles.js";
export type { Privilege, RoleView } from "./core/roles.js";
export { createTicket, TICKET_LIFETIME_S } from "./crypto/ticket.js";
export type { TicketKeyPair, VerifiedTicket, VerifiedTicketCacheOptions } from "./crypto/ticket.js";
export { createCsrfToken, verifyCsrfToken } from "./crypto/csrf.js";

export type { HashGateOptions, HashGateStats } from "./guard/hash-gate.js";

export type { FailureThrottleOptions } from "./guard/throttle.js";

export { openPostgresStore } from "./store/postgres/postgres-store.js";
export type { PostgresStoreEvent, PostgresStoreOptions, PostgresStoreStats } from "./store/postgres/postgres-store.js";
export { AUDIT_RETENTION_DAYS_MAX } from "./store/postgres/postgres-audit-retention.js";

export type { PostgresMigration } from "./store/postgres/postgres-migrations.js";

export type { PostgresListenerEvent, PostgresListenerState, ReconnectBackoff } from "./store/postgres/postgres-listener.js";
export { DEFAULT_POSTGRES_SCHEMA } from "./store/postgres/postgres-sql.js";
export type { ThrottleLimits } from "./guard/throttle.js";

export type { AuthMetricsSnapshot, LatencyHistogramSnapshot } from "./guard/auth-metrics.js";
export { LIST_FILTER_MAX_LENGTH, LIST_LIMIT_MAX, TOKEN_SORT_KEYS, TOKEN_STATUS_FILTERS, USER_SORT_KEYS } from "./access/listing.js";
export type {
  SortOrder,
  TokenListQuery,
  TokenSortKey,
  TokenStatus,
  TokenStatusFilter,
  UserListQuery,
  UserSortKey,
} from "./access/listing.js";
export { applyPbsImport, PbsImportError, readPbsConfigDir } from "./access/pbs-import.js";
export type { ImportSkip, PbsConfigPlan, PbsImportReport } from "./access/pbs-import.js";

export { PARTIAL_TICKET_MAX_LENGTH } from "./tfa/partial-ticket.js";
export type { TfaChallenge } from "./tfa/partial-ticket.js";

export type { TfaStore } from "./tfa/tfa-store.js";

export { generateTotpUri } from "./tfa/totp.js";

export { TOTP_FAILURE_LIMIT, TwoFactor } from "./tfa/two-factor.js";
export type { AddTfaInput, TfaEntryView, TfaType, TfaUpdateInfo, TfaUserView, UpdateTfaInput } from "./tfa/two-factor.js";
export type { WebauthnSettings } from "./tfa/webauthn.js";
export { AUDIT_ACTIONS, AUDIT_LIMIT_MAX, AUDIT_OUTCOMES } from "./core/audit.js";
export type { AuditEvent, AuditOutcome, AuditPage, AuditQuery, AuditRecord } from "./core/audit.js";
export { AUDIT_FILE, DEFAULT_AUDIT_RETENTION, isAuditFileName } from "./store/file/audit-file-log.js";
export type { AuditRetention } from "./store/file/audit-file-log.js";
export type { LastUse } from "./store/last-used.js";
export { ROTATION_GRACE_MAX_S } from "./access/token-rotation.js";
