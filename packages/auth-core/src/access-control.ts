/**
 * The facade the bff calls: one method per API operation. It owns the caches
 * (verified tickets, verified token secrets, config) and every permission check,
 * so the HTTP layer holds no auth logic of its own.
 *
 * SKELETON: the signatures below are the contract between auth-core and the bff.
 * The implementation is being filled in; see issue 2.
 */
import type { Clock } from "./clock.js";
import type { AclEntry, RoleId, TokenRecord, UserRecord } from "./model.js";
import type { AccessStore } from "./store.js";

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
}

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
}

export interface LoginInput {
  username: string;
  /** A password, or a valid ticket for renewal. */
  password: string;
  /** Client address, for per-source throttling. */
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
}

export interface TokenView extends TokenRecord {
  "token-name": string;
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
  digest?: string;
}

export interface AclView extends AclEntry {
  ugid_type: "user" | "token";
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

function notYet(): never {
  throw new Error("AccessControl: not implemented yet");
}

export class AccessControl {
  protected constructor(readonly options: AccessControlOptions) {}

  static open(options: AccessControlOptions): Promise<AccessControl> {
    return Promise.resolve(new AccessControl(options));
  }

  /**
   * Creates `admin@pbs` with the Admin role on `/` when the store has no users.
   * Returns the password used, or null when the store was already initialised.
   */
  ensureInitialAdmin(_password?: string): Promise<{ userid: string; password: string; generated: boolean } | null> {
    notYet();
  }

  // --- authentication (hot path) ---------------------------------------------

  /** A ticket from a cookie: signature, time window, user enabled and not expired. */
  authenticateTicket(_rawTicket: string): Promise<AuthContext | null> {
    notYet();
  }

  /**
   * A token from `Authorization: PBSAPIToken=...`, already split into authid and the
   * percent-decoded secret. Null for any failure; throws TooManyRequestsError when
   * the argon2 gate or the per-source throttle says no.
   */
  authenticateToken(_authid: string, _secret: string, _source?: string): Promise<AuthContext | null> {
    notYet();
  }

  /** Password login or ticket renewal. Null for bad credentials, whatever the cause. */
  login(_input: LoginInput): Promise<LoginSuccess | null> {
    notYet();
  }

  createCsrfToken(_userid: string): string {
    notYet();
  }

  verifyCsrfToken(_token: string, _userid: string): boolean {
    notYet();
  }

  // --- users ------------------------------------------------------------------

  listUsers(_actor: AuthContext, _opts: { includeTokens?: boolean }): Promise<{ data: UserView[]; digest: string }> {
    notYet();
  }
  readUser(_actor: AuthContext, _userid: string): Promise<{ data: UserRecord; digest: string }> {
    notYet();
  }
  createUser(_actor: AuthContext, _input: CreateUserInput): Promise<void> {
    notYet();
  }
  updateUser(_actor: AuthContext, _userid: string, _input: UpdateUserInput): Promise<void> {
    notYet();
  }
  /** Also deletes the user's tokens and every ACL entry naming the user or its tokens. */
  deleteUser(_actor: AuthContext, _userid: string, _digest?: string): Promise<void> {
    notYet();
  }
  setPassword(_actor: AuthContext, _userid: string, _password: string): Promise<void> {
    notYet();
  }

  // --- tokens -----------------------------------------------------------------

  listTokens(_actor: AuthContext, _userid: string): Promise<{ data: TokenView[]; digest: string }> {
    notYet();
  }
  readToken(_actor: AuthContext, _userid: string, _tokenName: string): Promise<{ data: TokenView; digest: string }> {
    notYet();
  }
  /** The secret is returned only here and on regenerate. */
  createToken(
    _actor: AuthContext,
    _userid: string,
    _tokenName: string,
    _input: CreateTokenInput,
  ): Promise<{ tokenid: string; value: string }> {
    notYet();
  }
  /** Returns `{tokenid, secret}` when `regenerate` was set, else null. */
  updateToken(
    _actor: AuthContext,
    _userid: string,
    _tokenName: string,
    _input: UpdateTokenInput,
  ): Promise<{ tokenid: string; secret: string } | null> {
    notYet();
  }
  /** Also removes the token's ACL entries. */
  deleteToken(_actor: AuthContext, _userid: string, _tokenName: string, _digest?: string): Promise<void> {
    notYet();
  }

  // --- ACL and permissions ------------------------------------------------------

  readAcl(_actor: AuthContext, _opts: { path?: string; exact?: boolean }): Promise<{ data: AclView[]; digest: string }> {
    notYet();
  }
  updateAcl(_actor: AuthContext, _input: UpdateAclInput): Promise<void> {
    notYet();
  }
  /** Effective privileges of `authId` (default: the actor) on `path` (default: every path with entries). */
  readPermissions(_actor: AuthContext, _opts: { authId?: string; path?: string }): Promise<PermissionsView> {
    notYet();
  }
  listDomains(): DomainView[] {
    notYet();
  }

  close(): Promise<void> {
    return this.options.store.close();
  }
}
