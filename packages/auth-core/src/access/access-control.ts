/**
 * The facade the bff calls: one method per API operation. It owns the caches
 * (verified tickets, verified token secrets, config) and every permission check,
 * so the HTTP layer holds no auth logic of its own.
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import type { AuthMetricsSnapshot } from "../guard/auth-metrics.js";
import type { TokenListQuery, UserListQuery } from "./listing.js";
import { type MaybePromise } from "../core/maybe-promise.js";
import { openTfaStoreBeside } from "../tfa/open-tfa-store.js";
import { TwoFactor } from "../tfa/two-factor.js";
import type { WebauthnSettings } from "../tfa/webauthn.js";
import { requireAuditQuery } from "../core/audit.js";
import type { AuditOutcome, AuditQuery, AuditRecord } from "../core/audit.js";

import type {
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
} from "./types.js";

import { AclEntries } from "./acl-entries.js";
import { Authenticator } from "./authenticator.js";
import { AuthorizedChanges } from "./authorize.js";
import { Logins } from "./login.js";
import { AccessServices, BUILTIN_REALM } from "./services.js";
import type { SigningKeys } from "./services.js";
import { Tokens } from "./tokens.js";
import { Users } from "./users.js";

// The facade's types live in types.ts, so the modules it delegates to can use them
// without importing the facade; index.ts exports them from there. These two are left
// for store/last-used.test.ts and authenticator.test.ts, which other work has open:
// drop them once those import ./types.js.
export { SYSTEM_ACTOR } from "./types.js";
export type { LoginSuccess } from "./types.js";

const DEFAULT_WEBAUTHN_SETTINGS: WebauthnSettings = { rpId: "localhost", origins: ["https://localhost:8007"] };

export class AccessControl {
  private readonly services: AccessServices;
  private readonly authorize: AuthorizedChanges;
  private readonly authenticator: Authenticator;
  private readonly logins: Logins;
  private readonly users: Users;
  private readonly tokens: Tokens;
  private readonly acl: AclEntries;
  /** Second factors: the login challenge and the /access/tfa API. */
  readonly twoFactor: TwoFactor;

  protected constructor(
    readonly options: AccessControlOptions,
    keys: SigningKeys,
  ) {
    this.services = new AccessServices(options, keys);
    this.authorize = new AuthorizedChanges(this.services);
    this.authenticator = new Authenticator(this.services, options);
    this.tokens = new Tokens(this.services, this.authorize, this.authenticator, options);
    this.twoFactor = new TwoFactor({
      store: options.tfaStore ?? openTfaStoreBeside(options.store),
      clock: this.services.clock,
      webauthn: options.webauthn ?? DEFAULT_WEBAUTHN_SETTINGS,
      ticketPrivateKey: keys.ticketPrivateKey,
      ticketPublicKey: keys.ticketPublicKey,
      host: {
        readConfig: async () => (await this.services.readCurrentConfig()).config,
        confirmActorPassword: (actor, password, source) => this.logins.confirmActorPassword(actor, password, source, "password"),
        hashSecret: (plain) => this.services.hasher.hash(plain),
        verifySecret: (hash, plain) => this.services.runTimedOnGate(null, () => this.services.hasher.verify(hash, plain)),
      },
    });
    this.logins = new Logins(this.services, this.twoFactor);
    this.users = new Users(this.services, this.authorize, this.twoFactor);
    this.acl = new AclEntries(this.services, this.authorize);
  }

  static async open(options: AccessControlOptions): Promise<AccessControl> {
    const stored = await options.store.loadOrCreateKeys();
    return new AccessControl(options, {
      ticketPrivateKey: createPrivateKey(stored.ticketPrivateKeyPem),
      ticketPublicKey: createPublicKey(stored.ticketPublicKeyPem),
      csrfKey: Buffer.from(stored.csrfKeyBase64, "base64"),
    });
  }

  /** Creates `admin@pbs` with the Admin role on `/` when the store has no users. Details in users.ts. */
  async ensureInitialAdmin(password?: string): Promise<{ userid: string; password: string; generated: boolean } | null> {
    return this.users.ensureInitialAdmin(password);
  }

  // --- authentication (hot path) ---------------------------------------------

  /** The one authentication entry point per request: cookie ticket, else token header. Details in authenticator.ts. */
  authenticate(request: AuthenticationRequest): MaybePromise<AuthContext | AuthenticationRefusal> {
    return this.authenticator.authenticate(request);
  }

  /** A ticket from a cookie: signature, time window, user enabled and not expired. */
  async authenticateTicket(rawTicket: string): Promise<AuthContext | null> {
    return this.authenticateTicketNow(rawTicket);
  }

  /** authenticateTicket, answered synchronously when no I/O is needed. Details in authenticator.ts. */
  authenticateTicketNow(rawTicket: string): MaybePromise<AuthContext | null> {
    return this.authenticator.authenticateTicketNow(rawTicket);
  }

  /**
   * A token from `Authorization: PBSAPIToken=...`, already split into authid and the
   * percent-decoded secret. Null for any failure; rejects with TooManyRequestsError
   * when the argon2 gate or the per-source throttle says no.
   */
  async authenticateToken(authid: string, secret: string, source?: string): Promise<AuthContext | null> {
    return this.authenticateTokenNow(authid, secret, source);
  }

  /** authenticateToken, answered synchronously on a cache hit: no promise, no microtask. Details in authenticator.ts. */
  authenticateTokenNow(authid: string, secret: string, source?: string): MaybePromise<AuthContext | null> {
    return this.authenticator.authenticateTokenNow(authid, secret, source);
  }

  // --- login -------------------------------------------------------------------

  /** Password login or ticket renewal. Details in login.ts. */
  async login(input: LoginInput): Promise<LoginSuccess | SecondFactorRequired | null> {
    return this.logins.login(input);
  }

  /** The second login step: the partial ticket and a good answer to it give the full ticket. Details in login.ts. */
  async loginSecondFactor(input: SecondFactorInput): Promise<LoginSuccess | null> {
    return this.logins.loginSecondFactor(input);
  }

  createCsrfToken(userid: string): string {
    return this.logins.createCsrfToken(userid);
  }

  verifyCsrfToken(token: string, userid: string): boolean {
    return this.logins.verifyCsrfToken(token, userid);
  }

  // --- users -------------------------------------------------------------------

  /** PBS's user listing; with any `query` parameter, filtered, sorted and paged. Details in users.ts. */
  async listUsers(
    actor: AuthContext,
    opts: { includeTokens?: boolean; query?: UserListQuery; unusedForDays?: number },
  ): Promise<{ data: UserView[]; digest: string; total?: number }> {
    return this.users.listUsers(actor, opts);
  }

  /** One user, with the extension fields `created`, `last-used` and `last-used-source`. Details in users.ts. */
  async readUser(actor: AuthContext, userid: string): Promise<{ data: UserView; digest: string }> {
    return this.users.readUser(actor, userid);
  }

  async createUser(actor: AuthContext, input: CreateUserInput): Promise<void> {
    return this.users.createUser(actor, input);
  }

  async updateUser(actor: AuthContext, userid: string, input: UpdateUserInput): Promise<void> {
    return this.users.updateUser(actor, userid, input);
  }

  /** Also deletes the user's tokens and every ACL entry naming the user or its tokens. */
  async deleteUser(actor: AuthContext, userid: string, digest?: string): Promise<void> {
    return this.users.deleteUser(actor, userid, digest);
  }

  async setPassword(actor: AuthContext, userid: string, password: string): Promise<void> {
    return this.users.setPassword(actor, userid, password);
  }

  /** Before a password change the caller confirms its own current password, as PBS's `user_update_auth`. Details in login.ts. */
  async confirmActorPassword(
    actor: AuthContext,
    confirmation: string | undefined,
    source?: string,
    parameter = "confirmation-password",
  ): Promise<void> {
    return this.logins.confirmActorPassword(actor, confirmation, source, parameter);
  }

  /** "End all sessions": every ticket of the user issued before now is refused. Details in users.ts. */
  async endSessions(actor: AuthContext, userid: string): Promise<void> {
    return this.users.endSessions(actor, userid);
  }

  // --- tokens ------------------------------------------------------------------

  /** PBS's listing of one user's tokens; with any `query` parameter, filtered, sorted and paged as listUsers. */
  async listTokens(
    actor: AuthContext,
    userid: string,
    query?: TokenListQuery,
    unusedForDays?: number,
  ): Promise<{ data: TokenView[]; digest: string; total?: number }> {
    return this.tokens.listTokens(actor, userid, query, unusedForDays);
  }

  /** Every token the actor may see, across users (a Gatehouse extension). Details in tokens.ts. */
  async listAllTokens(
    actor: AuthContext,
    query?: TokenListQuery,
    unusedForDays?: number,
  ): Promise<{ data: TokenListRow[]; digest: string; total?: number }> {
    return this.tokens.listAllTokens(actor, query, unusedForDays);
  }

  /** One token as an extended listing row: status, created, last use and overlap (decision 033). */
  async readToken(actor: AuthContext, userid: string, tokenName: string): Promise<{ data: TokenListRow; digest: string }> {
    return this.tokens.readToken(actor, userid, tokenName);
  }

  /** The secret is returned only here and on regenerate. */
  async createToken(
    actor: AuthContext,
    userid: string,
    tokenName: string,
    input: CreateTokenInput,
  ): Promise<{ tokenid: string; value: string }> {
    return this.tokens.createToken(actor, userid, tokenName, input);
  }

  /** Returns `{tokenid, secret}` when `regenerate` was set, else null. */
  async updateToken(
    actor: AuthContext,
    userid: string,
    tokenName: string,
    input: UpdateTokenInput,
  ): Promise<{ tokenid: string; secret: string } | null> {
    return this.tokens.updateToken(actor, userid, tokenName, input);
  }

  /** Also removes the token's ACL entries. */
  async deleteToken(actor: AuthContext, userid: string, tokenName: string, digest?: string): Promise<void> {
    return this.tokens.deleteToken(actor, userid, tokenName, digest);
  }

  // --- ACL and permissions -------------------------------------------------------

  /** Every entry for an auditor; anyone else only the entries of its own API tokens, as PBS. Details in acl-entries.ts. */
  async readAcl(actor: AuthContext, opts: { path?: string; exact?: boolean }): Promise<{ data: AclView[]; digest: string }> {
    return this.acl.readAcl(actor, opts);
  }

  /** Sets or removes one entry: any with Permissions.Modify on `/access/acl`, else own tokens' only. Details in acl-entries.ts. */
  async updateAcl(actor: AuthContext, input: UpdateAclInput): Promise<void> {
    return this.acl.updateAcl(actor, input);
  }

  /** Effective privileges of `authId` (default: the actor) on `path` or on every known path. Details in acl-entries.ts. */
  async readPermissions(actor: AuthContext, opts: { authId?: string; path?: string }): Promise<PermissionsView> {
    return this.acl.readPermissions(actor, opts);
  }

  // --- metrics, domains, audit log ------------------------------------------------

  /** Counters of the authentication paths, for monitoring; needs Sys.Audit on `/system`. */
  async readMetrics(actor: AuthContext): Promise<AuthMetricsSnapshot> {
    await this.authorize.requireActorPrivilege(actor, "/system", "Sys.Audit");
    return this.snapshotMetrics();
  }

  /**
   * The same counters without a permission check, for the process's own metrics
   * exporter, which reads them while answering a scrape it has already authorized
   * (or one another worker authorized).
   */
  snapshotMetrics(): AuthMetricsSnapshot {
    return {
      tokenCache: {
        hits: this.services.metrics.tokenCacheHits,
        misses: this.services.metrics.tokenCacheMisses,
        refreshes: this.services.metrics.tokenCacheRefreshes,
        entries: this.authenticator.secretCache.size(),
      },
      ticketCache: {
        hits: this.services.ticketCache.hits,
        misses: this.services.ticketCache.misses,
        entries: this.services.ticketCache.size,
      },
      slowVerifyLatency: this.services.metrics.slowVerifyLatency.snapshot(),
      hashGate: this.services.hashGate.stats(),
      throttled: this.services.metrics.throttled,
      tokenFailures: this.services.metrics.tokenFailures,
    };
  }

  listDomains(): DomainView[] {
    return [{ realm: BUILTIN_REALM, type: "pbs", comment: "Gatehouse built-in realm", default: true }];
  }

  /** Flushes the last-use times of this process, then closes the store. */
  async close(): Promise<void> {
    await this.services.lastUsed.flush().catch((error: unknown) => this.options.onAuditError?.(error));
    await this.services.store.close();
  }

  /**
   * Records an event that changes nothing in the store (a refused write, a
   * second-factor step). Never throws: a record that cannot be written is
   * reported to `onAuditError`.
   */
  async recordAuditEvent(
    actor: AuthContext | null,
    action: string,
    target?: string,
    outcome: AuditOutcome = "success",
    detail?: string,
  ): Promise<void> {
    await this.services.audit.recordStandalone([this.services.audit.event(actor, action, target, detail, outcome)]);
  }

  /** `GET /access/audit`: needs Sys.Audit on `/system`. Newest first. */
  async readAudit(actor: AuthContext, query: Partial<AuditQuery>): Promise<{ data: AuditRecord[]; total: number }> {
    const checked = requireAuditQuery(query);
    await this.authorize.requireActorPrivilege(actor, "/system", "Sys.Audit");
    const page = await this.services.audit.read(checked);
    return { data: page.rows, total: page.total };
  }
}
