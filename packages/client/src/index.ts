export { GatehouseClient, RENEW_AFTER_S, TICKET_LIFETIME_S } from "./client.js";
export type {
  ApiFormat,
  CallOptions,
  ClientHooks,
  FetchInit,
  FetchLike,
  GatehouseClientOptions,
  PasswordAuth,
  Reply,
  RetryOptions,
  SessionInfo,
  TokenAuth,
} from "./client.js";
export {
  GatehouseApiError,
  GatehouseConnectionError,
  LoginFlowError,
  SecondFactorRequiredError,
  TlsFingerprintMismatchError,
} from "./errors.js";
export type * from "@gatehouse/bff/wire";
