/**
 * The types of the access API: who is calling, the facade's options, and each
 * operation's input and view. Kept apart from the facade so the modules it delegates
 * to (and tfa/) can name them without importing it.
 */
import type { Clock } from "../core/clock.js";
import type { AclEntry, RoleId, TokenRecord, UserRecord } from "../core/model.js";
import type { SecretHasher } from "../crypto/password-hash.js";
import type { ThrottleLimits } from "../guard/throttle.js";
import type { AccessStore } from "../store/store.js";
import type { TfaChallenge } from "../tfa/partial-ticket.js";
import type { TfaStore } from "../tfa/tfa-store.js";
import type { WebauthnSettings } from "../tfa/webauthn.js";

/** Who is calling, after authentication. */
export interface AuthContext {
  /** `user@realm` or `user@realm!token`. */
  authid: string;
  /** The owning user, `user@realm`. */
  userid: string;
  /** The token name for token authentication, else null. */
  tokenName: string | null;
  /** How the credential arrived. `system` is the local admin CLI. */
  via: "ticket" | "token" | "system";
  /** The client address, for the audit log (set by the server on state-changing requests). */
  source?: string;
  /** The request's X-Request-Id, for the audit log. */
  requestId?: string;
}

/** What the server hands auth-core once per request: the credentials as they arrived. */
export interface AuthenticationRequest {
  /** The ticket of the session cookie the server picked (`__Host-` first), if there is one: it decides alone. */
  cookie?: string | undefined;
  /** The raw `Authorization` header value, read only without a cookie ticket. */
  authorization?: string | undefined;
  /** The client address, for the failure throttles and the hash gate's shares. */
  source?: string | undefined;
}

/** Why a request has no caller: no credential, a header that is not a PBSAPIToken, or a refused ticket or token. */
export type AuthenticationRefusal = "no-credential" | "malformed-authorization" | "ticket-refused" | "token-refused";

/** The local admin CLI acts with full rights; it has file access to the data dir anyway. */
export const SYSTEM_ACTOR: AuthContext = Object.freeze({
  authid: "root@pam",
  userid: "root@pam",
  tokenName: null,
  via: "system",
});

export interface AccessControlOptions {
  store: AccessStore;
  clock?: Clock;
  /** Bound for noticing out-of-band store edits where no cheap check exists (I3). Default 60. */
  tokenCacheTtlS?: number;
  /** Disables the verified-secret cache: every token request runs argon2 (bench baseline). */
  disableTokenCache?: boolean;
  /** Concurrent argon2 verifications (default: 2) and queued ones (default: 32) before 429. */
  hashConcurrency?: number;
  hashQueueLimit?: number;
  /** The slow hash for passwords and token secrets; tests inject a fast fake. Default argon2id. */
  hasher?: SecretHasher;
  /** Failed logins and token checks per client address. Default 50 per 60 s. */
  sourceThrottle?: ThrottleLimits;
  /**
   * Distinct wrong passwords per (username, client address) and wrong secrets per
   * (token id, client address). Default 10 per 60 s.
   */
  identityThrottle?: ThrottleLimits;
  /**
   * Distinct wrong credentials per username or token id over every address; it
   * refuses only addresses that failed on that id themselves (I7). Default 1000 per 60 s.
   */
  identityCeiling?: ThrottleLimits;
  /** Slow-hash tasks one client address may have running or queued at once (logins, token checks). Default 4. */
  hashLimitPerSource?: number;
  /** Slow-hash tasks one acting user may have running or queued at once (setting passwords, issuing secrets). Default 2. */
  hashLimitPerActor?: number;
  /**
   * Further slow-hash tasks of one acting user that wait outside the gate for one of
   * its own slots, instead of getting 429 (an admin script writing in parallel). Default 64.
   */
  hashBacklogPerActor?: number;
  /**
   * How many processes on this host enforce the same failure limits (the cluster
   * workers), each with its own counts. Every limit is divided by it, rounding up,
   * so the host as a whole allows at most limit + processes - 1 failures per
   * window (decision 010). Default 1.
   */
  processesSharingLimits?: number;
  /** API tokens one user may own. Default 100. */
  maxTokensPerUser?: number;
  /** API tokens in the whole store. Default 200,000. */
  maxTokens?: number;
  /** Where second factors live; by default beside `store` (tfa.json, the tfa_users table, or memory). */
  tfaStore?: TfaStore;
  /** The WebAuthn relying party; by default `localhost` on port 8007. */
  webauthn?: WebauthnSettings;
  /** Told when an audit record of an event that changes nothing could not be written; the request still succeeds. */
  onAuditError?: (error: unknown) => void;
}

export interface LoginInput {
  username: string;
  /** A password, or a valid ticket for renewal. */
  password: string;
  /** Client address, for per-source throttling. */
  source?: string;
  /** The request's id, for the audit log. */
  requestId?: string;
}

/**
 * A good password of a user with second factors: the partial ticket (`PBS:!tfa!...`)
 * and the challenge it carries. It grants nothing but the second step.
 */
export interface SecondFactorRequired {
  username: string;
  ticket: string;
  /** PBS sends the literal "invalid": there is no session to protect yet. */
  CSRFPreventionToken: "invalid";
  challenge: TfaChallenge;
  secondFactorRequired: true;
}

export interface SecondFactorInput {
  username: string;
  /** The partial ticket from the first step (`tfa-challenge`). */
  challengeTicket: string;
  /** `totp:<code>`, `recovery:<key>` or `webauthn:<json>` (the `password` parameter). */
  response: string;
  source?: string;
}

export interface LoginSuccess {
  /** The authenticated userid. */
  username: string;
  ticket: string;
  /** Unix seconds the ticket was issued at. */
  ticketTime: number;
  /** `PBS:<userid>:<HEXTIME>::ticketinfo`: unsigned, for renewal timing only. */
  ticketInfo: string;
  CSRFPreventionToken: string;
}

export interface UserView extends UserRecord {
  tokens?: TokenView[];
  /** Extended listings (issue 14): the last login, epoch seconds at minute precision, and its source. */
  "last-used"?: number;
  "last-used-source"?: string;
}

/** A token's state as the extended listings show it, from the token and its owner. */
export type TokenStatus = "active" | "disabled" | "owner-disabled" | "expired" | "owner-expired";

export interface TokenView extends TokenRecord {
  "token-name": string;
}

/** A token row of the extended listings: the PBS fields plus the status computed from token and owner. */
export interface TokenListRow extends TokenView {
  status: TokenStatus;
  /** Epoch seconds the token was created; absent for tokens made before this was recorded. */
  created?: number;
  /** The last use, epoch seconds at minute precision, and the address it came from. */
  "last-used"?: number;
  "last-used-source"?: string;
  /** While a rotation's overlap runs: the second from which the replaced secret is refused. */
  "previous-secret-until"?: number;
}

export interface CreateUserInput {
  userid: string;
  password?: string;
  enable?: boolean;
  expire?: number;
  comment?: string;
  firstname?: string;
  lastname?: string;
  email?: string;
}

export interface UpdateUserInput {
  enable?: boolean;
  expire?: number;
  comment?: string;
  firstname?: string;
  lastname?: string;
  email?: string;
  password?: string;
  /** Properties to clear: comment, firstname, lastname, email. */
  delete?: string[];
  digest?: string;
}

export interface CreateTokenInput {
  comment?: string;
  enable?: boolean;
  expire?: number;
}

export interface UpdateTokenInput {
  comment?: string;
  enable?: boolean;
  expire?: number;
  /** Properties to clear: comment. */
  delete?: string[];
  regenerate?: boolean;
  /**
   * With `regenerate`: seconds the replaced secret keeps working (rotation with
   * overlap, decision 031). 0, the default, refuses it at once as PBS does (I1).
   */
  grace?: number;
  digest?: string;
}

export interface AclView extends AclEntry {
  /** PBS calls both users and their tokens `user`; `group` is the only other kind. */
  ugid_type: "user" | "group";
}

export interface UpdateAclInput {
  path: string;
  role: RoleId;
  authId: string;
  propagate?: boolean;
  delete?: boolean;
  digest?: string;
}

/** Path -> privilege -> propagate flag, the PBS permissions format. */
export type PermissionsView = Record<string, Record<string, boolean>>;

export interface DomainView {
  realm: string;
  type: string;
  comment: string;
  default?: boolean;
}
