/**
 * The facade the bff calls: one method per API operation. It owns the caches
 * (verified tickets, verified token secrets, config) and every permission check,
 * so the HTTP layer holds no auth logic of its own.
 */
import { createPrivateKey, createPublicKey, randomBytes } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { performance } from "node:perf_hooks";
import { computePrivileges, hasPrivilege, isKnownAclPath, isRoleId, ROLES } from "./acl.js";
import { NO_ACCESS_ROLE } from "../core/roles.js";
import { requireAuthorityOverAccount } from "./account-authority.js";
import type { AccountAction } from "./account-authority.js";
import type { Privilege } from "./acl.js";
import { AuthMetrics } from "../guard/auth-metrics.js";
import type { AuthMetricsSnapshot } from "../guard/auth-metrics.js";
import { nowEpochSeconds, systemClock } from "../core/clock.js";
import type { Clock } from "../core/clock.js";
import { ConfigCache } from "../cache/config-cache.js";
import { listPermissionPaths } from "../core/permission-paths.js";
import { computeConfigPartDigest, computeOwnViewDigest, isSameConfigPart, type ConfigPart } from "./config-digests.js";
import type { ConfigSnapshot } from "../cache/config-cache.js";
import {
  canSeePermissionsOf,
  deleteTokenFromState,
  isAclPathSelected,
  isTicketLive,
  isTokenActive,
  isUserActive,
  ownerOfTokenId,
  ownerOfUgid,
  privilegesToRecord,
  requireAuthidExists,
  requireToken,
  requireUser,
  toTokenView,
  toUserView,
} from "./config-queries.js";
import { readConfigListIndex } from "./config-index.js";
import { filterInSlices, mapInSlices } from "../guard/cooperative.js";
import { createCsrfToken, verifyCsrfToken } from "../crypto/csrf.js";
import { ConflictError, PermissionDeniedError, QuotaExceededError, TooManyRequestsError } from "../core/errors.js";
import { HashGate } from "../guard/hash-gate.js";
import type { GateOwner } from "../guard/hash-gate.js";
import { listSuperusers, requireSuperuserRemains } from "./last-superuser.js";
import { isTokenAuthid, parseAuthid, parseUserid } from "../core/ids.js";
import {
  invalidParameter,
  PASSWORD_MAX_LENGTH,
  requireAclPath,
  requireAuthid,
  requireDeletable,
  requireExpire,
  requirePassword,
  requireTextFields,
  requireTokenId,
  requireUserid,
  TOKEN_TEXT_FIELDS,
  USER_TEXT_FIELDS,
} from "../core/input-rules.js";
import {
  computeTokenStatus,
  isExtendedListQuery,
  requireListQuery,
  selectTokens,
  selectUsers,
  TOKEN_SORT_KEYS,
  USER_SORT_KEYS,
} from "./listing.js";
import type { TokenListQuery, UserListQuery } from "./listing.js";
import type { AccessConfig, AccessState, AclEntry, RoleId, TokenRecord, UserRecord } from "../core/model.js";
import { argon2Hasher, verifyAgainstDummyHash } from "../crypto/password-hash.js";
import type { SecretHasher } from "../crypto/password-hash.js";
import { classifyCryptHash, verifySha256Crypt } from "../crypto/legacy-crypt-hash.js";
import { TokenSecretCache } from "../cache/secret-cache.js";
import { SecretCacheSync } from "../cache/secret-cache-sync.js";
import type { AccessStore, StoreVersions } from "../store/store.js";
import { CredentialThrottle } from "../guard/throttle.js";
import type { ThrottleLimits } from "../guard/throttle.js";
import { createTicket, formatTicketInfo, VerifiedTicketCache } from "../crypto/ticket.js";
import type { VerifiedTicket } from "../crypto/ticket.js";
import { whenResolved, type MaybePromise } from "../core/maybe-promise.js";
import { generateTokenSecret, isWellFormedTokenSecret } from "../crypto/token-secret.js";
import { openTfaStoreBeside } from "../tfa/open-tfa-store.js";
import { TwoFactor } from "../tfa/two-factor.js";
import type { WebauthnSettings } from "../tfa/webauthn.js";
import { requireAuditQuery } from "../core/audit.js";
import type { AuditEvent, AuditOutcome, AuditQuery, AuditRecord } from "../core/audit.js";
import { AuditRecorder, describeTokenUpdate, describeUserUpdate } from "./access-audit.js";
import { LastUsedTracker, mergeLastUses } from "../store/last-used.js";
import type { LastUse } from "../store/last-used.js";
import { isPreviousSecretLive, requireRotationGrace, rotateTokenSecret, splitStoredTokenHash } from "./token-rotation.js";

// The facade's types live in types.ts, so the modules it delegates to can use them
// without importing the facade; re-exported here for existing importers.
export * from "./types.js";
import type {
  AccessControlOptions,
  AclView,
  AuthContext,
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
import { SYSTEM_ACTOR } from "./types.js";

const BUILTIN_REALM = "pbs";
const INITIAL_ADMIN = "admin@pbs";
const DEFAULT_TOKEN_CACHE_TTL_S = 60;
const DEFAULT_HASH_CONCURRENCY = 2;
const DEFAULT_HASH_QUEUE_LIMIT = 32;
/** A full gate drains one argon2 verification (~50-100 ms) per core, so a retry after 1 s usually fits. */
const HASH_GATE_RETRY_AFTER_S = 1;
const DEFAULT_SOURCE_THROTTLE: ThrottleLimits = { maxFailures: 50, windowS: 60 };
const DEFAULT_IDENTITY_THROTTLE: ThrottleLimits = { maxFailures: 10, windowS: 60 };
const DEFAULT_IDENTITY_CEILING: ThrottleLimits = { maxFailures: 1000, windowS: 60 };
const DEFAULT_HASH_LIMIT_PER_SOURCE = 4;
/**
 * Hashes one acting user may hold in the gate at once (finding 5): one user's writes
 * never hold more than the gate's concurrency, so everyone else's logins still get in.
 */
const DEFAULT_HASH_LIMIT_PER_ACTOR = 2;
/**
 * An acting user's further hashes wait in that user's own backlog, outside the gate's
 * shared queue: an admin script making dozens of tokens in parallel is served in
 * order instead of refused, and still cannot crowd other users out.
 */
const DEFAULT_HASH_BACKLOG_PER_ACTOR = 64;
export const DEFAULT_MAX_TOKENS_PER_USER = 100;
export const DEFAULT_MAX_TOKENS = 200_000;
const DEFAULT_WEBAUTHN_SETTINGS: WebauthnSettings = { rpId: "localhost", origins: ["https://localhost:8007"] };
const THROTTLE_MAX_KEYS = 10_000;
/**
 * What a wrong credential was compared with when there was no stored hash: an id
 * that does not exist or is not active, or a renewal ticket that did not verify.
 * No stored hash can equal it, so the record ends once a hash appears.
 */
const NO_STORED_HASH = "\0none";
const NOT_A_VALID_TICKET = "\0ticket";
const TICKET_CACHE_MAX_ENTRIES = 10_000;
/** 24 random bytes give 32 base64url characters: the generated first-start password. */
const GENERATED_PASSWORD_BYTES = 24;
const DIGEST_CONFLICT_MESSAGE = "detected modified configuration - file changed by other user? Try again.";

interface SigningKeys {
  ticketPrivateKey: KeyObject;
  ticketPublicKey: KeyObject;
  csrfKey: Buffer;
}

/** What one slow-path token verification found, shared by every request it was collapsed with. */
interface TokenVerification {
  valid: boolean;
  /** Versions read after the hash was checked: the fresh config the result is re-checked against. */
  versionsAfter: StoreVersions;
  /** The stored hash the secret was checked against; undefined when the token had none. */
  checkedHash: string | undefined;
  /** Valid only as the secret a rotation with overlap replaced: its deadline is checked again. */
  viaPreviousSecret: boolean;
}

export class AccessControl {
  private readonly store: AccessStore;
  private readonly clock: Clock;
  private readonly hasher: SecretHasher;
  private readonly secretCache: TokenSecretCache;
  private readonly secretSync: SecretCacheSync;
  private readonly configCache: ConfigCache;
  private readonly ticketCache: VerifiedTicketCache;
  private readonly hashGate: HashGate;
  private readonly throttle: CredentialThrottle;
  private readonly hashLimitPerSource: number;
  private readonly hashLimitPerActor: number;
  private readonly hashBacklogPerActor: number;
  private readonly maxTokensPerUser: number;
  private readonly maxTokens: number;
  private readonly tokenCacheEnabled: boolean;
  private readonly metrics = new AuthMetrics();
  /** Token ids whose cached secret is being verified again in the background. */
  private readonly refreshingTokens = new Set<string>();
  /** Second factors: the login challenge and the /access/tfa API. */
  readonly twoFactor: TwoFactor;
  private readonly audit: AuditRecorder;
  private readonly lastUsed: LastUsedTracker;

  protected constructor(
    readonly options: AccessControlOptions,
    private readonly keys: SigningKeys,
  ) {
    const ttlS = options.tokenCacheTtlS ?? DEFAULT_TOKEN_CACHE_TTL_S;
    if (!Number.isFinite(ttlS) || ttlS < 0) {
      throw new RangeError(`AccessControl: tokenCacheTtlS must be a number >= 0, got ${ttlS}`);
    }
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.hasher = options.hasher ?? argon2Hasher;
    this.tokenCacheEnabled = options.disableTokenCache !== true;
    this.secretCache = new TokenSecretCache({ ttlMs: ttlS * 1000 });
    this.secretSync = new SecretCacheSync(this.secretCache, options.store);
    this.configCache = new ConfigCache(options.store);
    this.ticketCache = new VerifiedTicketCache({
      publicKey: keys.ticketPublicKey,
      maxEntries: TICKET_CACHE_MAX_ENTRIES,
    });
    this.hashGate = new HashGate({
      concurrency: options.hashConcurrency ?? DEFAULT_HASH_CONCURRENCY,
      queueLimit: options.hashQueueLimit ?? DEFAULT_HASH_QUEUE_LIMIT,
      retryAfterS: HASH_GATE_RETRY_AFTER_S,
    });
    const sharers = requirePositiveInteger("processesSharingLimits", options.processesSharingLimits ?? 1);
    const share = (limits: ThrottleLimits): ThrottleLimits => ({ ...limits, maxFailures: Math.ceil(limits.maxFailures / sharers) });
    this.audit = new AuditRecorder(options.store, this.clock, options.onAuditError);
    this.lastUsed = new LastUsedTracker(options.store, options.onAuditError);
    this.throttle = new CredentialThrottle({
      clock: this.clock,
      perSource: share(options.sourceThrottle ?? DEFAULT_SOURCE_THROTTLE),
      perIdAndSource: share(options.identityThrottle ?? DEFAULT_IDENTITY_THROTTLE),
      perIdCeiling: share(options.identityCeiling ?? DEFAULT_IDENTITY_CEILING),
      maxKeys: THROTTLE_MAX_KEYS,
      onLimitReached: (scope, id, source) => this.audit.recordThrottleActivation(scope, id, source),
    });
    this.hashLimitPerSource = requirePositiveInteger("hashLimitPerSource", options.hashLimitPerSource ?? DEFAULT_HASH_LIMIT_PER_SOURCE);
    this.hashLimitPerActor = requirePositiveInteger("hashLimitPerActor", options.hashLimitPerActor ?? DEFAULT_HASH_LIMIT_PER_ACTOR);
    this.hashBacklogPerActor = requirePositiveInteger("hashBacklogPerActor", options.hashBacklogPerActor ?? DEFAULT_HASH_BACKLOG_PER_ACTOR);
    this.maxTokensPerUser = requirePositiveInteger("maxTokensPerUser", options.maxTokensPerUser ?? DEFAULT_MAX_TOKENS_PER_USER);
    this.maxTokens = requirePositiveInteger("maxTokens", options.maxTokens ?? DEFAULT_MAX_TOKENS);
    this.twoFactor = new TwoFactor({
      store: options.tfaStore ?? openTfaStoreBeside(options.store),
      clock: this.clock,
      webauthn: options.webauthn ?? DEFAULT_WEBAUTHN_SETTINGS,
      ticketPrivateKey: keys.ticketPrivateKey,
      ticketPublicKey: keys.ticketPublicKey,
      host: {
        readConfig: async () => (await this.readCurrentConfig()).config,
        confirmActorPassword: (actor, password, source) => this.confirmActorPassword(actor, password, source, "password"),
        hashSecret: (plain) => this.hasher.hash(plain),
        verifySecret: (hash, plain) => this.runTimedOnGate(null, () => this.hasher.verify(hash, plain)),
      },
    });
  }

  static async open(options: AccessControlOptions): Promise<AccessControl> {
    const stored = await options.store.loadOrCreateKeys();
    return new AccessControl(options, {
      ticketPrivateKey: createPrivateKey(stored.ticketPrivateKeyPem),
      ticketPublicKey: createPublicKey(stored.ticketPublicKeyPem),
      csrfKey: Buffer.from(stored.csrfKeyBase64, "base64"),
    });
  }

  /**
   * Creates `admin@pbs` with the Admin role on `/` when the store has no users.
   * Returns the password used, or null when the store was already initialised.
   */
  async ensureInitialAdmin(password?: string): Promise<{ userid: string; password: string; generated: boolean } | null> {
    if (password !== undefined) requirePassword(password);
    // Cheap early exit so that restarts do not pay for a hash they will not use.
    if (Object.keys((await this.readCurrentConfig()).config.users).length > 0) return null;
    const generated = password === undefined;
    const chosen = password ?? randomBytes(GENERATED_PASSWORD_BYTES).toString("base64url");
    const hash = await this.hashGate.run(null, () => this.hasher.hash(chosen));
    // Decided under the store lock: of several processes starting at once, exactly one creates the admin.
    const { result: created } = await this.store.mutate(
      (state) => {
        if (Object.keys(state.config.users).length > 0) return false;
        state.config.users[INITIAL_ADMIN] = { userid: INITIAL_ADMIN, enable: true, expire: 0, created: nowEpochSeconds(this.clock) };
        state.passwordHashes[INITIAL_ADMIN] = hash;
        state.config.acl.push({ path: "/", ugid: INITIAL_ADMIN, roleid: "Admin", propagate: true });
        return true;
      },
      { audit: [this.audit.event(SYSTEM_ACTOR, "user.create", INITIAL_ADMIN, "initial admin")] },
    );
    return created ? { userid: INITIAL_ADMIN, password: chosen, generated } : null;
  }

  // --- authentication (hot path) ---------------------------------------------

  /** A ticket from a cookie: signature, time window, user enabled and not expired. */
  async authenticateTicket(rawTicket: string): Promise<AuthContext | null> {
    return this.authenticateTicketNow(rawTicket);
  }

  /**
   * authenticateTicket, answered synchronously when no I/O is needed: a ticket from
   * the verified-ticket cache whose user is in the in-memory config. The per-request
   * path then allocates no promise and waits for no microtask; anything else
   * returns a promise of the same decision.
   */
  authenticateTicketNow(rawTicket: string): MaybePromise<AuthContext | null> {
    const nowS = nowEpochSeconds(this.clock);
    const ticket = this.ticketCache.verify(rawTicket, nowS);
    if (ticket === null) return null;
    // Tickets are only ever issued to users; a token authid inside one is not ours.
    const context = parseTicketContext(ticket.authid);
    if (context === null) return null;
    return whenResolved(this.readCurrentConfig(), (snapshot) => {
      if (!isTicketLive(snapshot.config, context.userid, ticket.issuedAt, nowS)) return null;
      return context;
    });
  }

  /**
   * A token from `Authorization: PBSAPIToken=...`, already split into authid and the
   * percent-decoded secret. Null for any failure; rejects with TooManyRequestsError
   * when the argon2 gate or the per-source throttle says no.
   */
  async authenticateToken(authid: string, secret: string, source?: string): Promise<AuthContext | null> {
    return this.authenticateTokenNow(authid, secret, source);
  }

  /**
   * authenticateToken, answered synchronously on a cache hit (the secret verified
   * before under the current versions and within the TTL): no promise, no
   * microtask. A miss returns a promise of the slow path's decision. May throw
   * TooManyRequestsError synchronously as well as reject with it.
   */
  authenticateTokenNow(authid: string, secret: string, source?: string): MaybePromise<AuthContext | null> {
    const context = parseTokenContext(authid);
    // Malformed input is refused before any store read or hash: it cannot be a real token.
    if (context === null || !isWellFormedTokenSecret(secret)) {
      this.metrics.tokenFailures++;
      this.throttle.recordSourceFailure(source);
      return null;
    }
    return whenResolved(this.readRequestVersions(), (versions) => this.checkTokenAgainst(context, secret, versions, source));
  }

  /** The cached-secret check of one token request, against one read of the versions. */
  private checkTokenAgainst(
    context: AuthContext,
    secret: string,
    versions: StoreVersions,
    source: string | undefined,
  ): MaybePromise<AuthContext | null> {
    // Both caches are checked against this one read of the versions: a hit costs no store I/O beyond it.
    return whenResolved(this.configCache.get(versions.config), (snapshot) => {
      const nowMs = this.clock.nowMs();
      if (!isTokenActive(snapshot.config, context, Math.floor(nowMs / 1000))) return this.refuseUnusableToken(context, secret, source);
      if (!this.tokenCacheEnabled) {
        this.metrics.tokenCacheMisses++;
        return this.authenticateTokenSlowly(context, secret, versions, source);
      }
      // Synchronous when the secret cache is at this version; after a change it first
      // drops exactly the entries of the tokens that changed (I6).
      const catchingUp = this.secretSync.catchUp(versions.secrets);
      if (catchingUp === undefined) return this.answerFromSecretCache(context, secret, versions, source, nowMs);
      return catchingUp.then(() => this.answerFromSecretCache(context, secret, versions, source, nowMs));
    });
  }

  /** The secret cache's answer, with the cache at (or past) the request's secrets version. */
  private answerFromSecretCache(
    context: AuthContext,
    secret: string,
    versions: StoreVersions,
    source: string | undefined,
    nowMs: number,
  ): MaybePromise<AuthContext | null> {
    const cached = this.secretCache.lookupCurrent(context.authid, secret, nowMs);
    if (cached !== "miss") {
      this.metrics.tokenCacheHits++;
      this.lastUsed.note(context.authid, nowMs, source);
      if (cached === "hit-due") this.refreshCachedSecret(context.authid, secret, versions);
      return context;
    }
    this.metrics.tokenCacheMisses++;
    return this.authenticateTokenSlowly(context, secret, versions, source);
  }

  /**
   * Password login or ticket renewal. Null for bad credentials, whatever the cause.
   * Failures are throttled per (username, address) and per address, never per
   * username alone (I7); a renewal with a valid ticket of the user is never
   * throttled and costs no hash, so whoever logged in before keeps a way in.
   * A password login of a user with second factors ends in a partial ticket
   * (SecondFactorRequired); a renewal never asks again, as in PBS.
   */
  async login(input: LoginInput): Promise<LoginSuccess | SecondFactorRequired | null> {
    const outcome = await this.checkLogin(input);
    const userid = outcome?.username ?? null;
    if (outcome !== null && !("secondFactorRequired" in outcome)) this.lastUsed.note(outcome.username, this.clock.nowMs(), input.source);
    const kind = input.password.startsWith("PBS:")
      ? "renewal"
      : outcome !== null && "secondFactorRequired" in outcome
        ? "password; second factor required"
        : "password";
    await this.audit.recordLogin(input, userid, kind);
    return outcome;
  }

  /** login without its audit record and last use. */
  private async checkLogin(input: LoginInput): Promise<LoginSuccess | SecondFactorRequired | null> {
    const parsed = parseUserid(input.username);
    if (!parsed.ok || parsed.value.realm !== BUILTIN_REALM) {
      // No such user can exist: refused without a hash, and counted against the address only.
      this.throwIfSourceThrottled(input.source);
      this.throttle.recordSourceFailure(input.source);
      return null;
    }
    const userid = parsed.value.userid;
    if (input.password.startsWith("PBS:")) return this.renewTicket(userid, input.password, input.source);
    this.throwIfThrottled(passwordThrottleId(userid), input.source);
    if (!(await this.checkPassword(userid, input.password, input.source))) return null;
    const snapshot = await this.readCurrentConfig();
    if (!isUserActive(snapshot.config, userid, nowEpochSeconds(this.clock))) return null;
    const partial = await this.twoFactor.createLoginChallenge(userid);
    if (partial !== null) {
      return {
        username: userid,
        ticket: partial.ticket,
        CSRFPreventionToken: "invalid",
        challenge: partial.challenge,
        secondFactorRequired: true,
      };
    }
    return this.issueTicket(userid);
  }

  /**
   * The second step (proxmox-auth-api's `authenticate_2nd`): a partial ticket of
   * this very user, still current, and a good answer to it give the full ticket.
   * The user must still be active and its sessions not ended since the first step.
   * Failures feed the per-source throttle; the per-user limits are the lockout's.
   */
  async loginSecondFactor(input: SecondFactorInput): Promise<LoginSuccess | null> {
    const success = await this.checkSecondFactor(input);
    if (success !== null) this.lastUsed.note(success.username, this.clock.nowMs(), input.source);
    const login: LoginInput = { username: input.username, password: "", ...(input.source === undefined ? {} : { source: input.source }) };
    await this.audit.recordLogin(login, success?.username ?? null, "second factor");
    return success;
  }

  /** loginSecondFactor without its audit record and last use. */
  private async checkSecondFactor(input: SecondFactorInput): Promise<LoginSuccess | null> {
    const parsed = parseUserid(input.username);
    if (!parsed.ok || parsed.value.realm !== BUILTIN_REALM) return null;
    const userid = parsed.value.userid;
    this.throwIfSourceThrottled(input.source);
    const nowS = nowEpochSeconds(this.clock);
    if (!isUserActive((await this.readCurrentConfig()).config, userid, nowS)) {
      this.throttle.recordSourceFailure(input.source);
      return null;
    }
    const outcome = await this.twoFactor.verifySecondFactor(userid, input.challengeTicket, input.response);
    const { config } = await this.readCurrentConfig();
    if (!outcome.ok || !isTicketLive(config, userid, outcome.issuedAt, nowEpochSeconds(this.clock))) {
      this.throttle.recordSourceFailure(input.source);
      return null;
    }
    return this.issueTicket(userid);
  }

  createCsrfToken(userid: string): string {
    return createCsrfToken(userid, this.keys.csrfKey, nowEpochSeconds(this.clock));
  }

  verifyCsrfToken(token: string, userid: string): boolean {
    return verifyCsrfToken(token, userid, this.keys.csrfKey, nowEpochSeconds(this.clock));
  }

  // --- users ------------------------------------------------------------------

  /**
   * PBS's user listing. With any `query` parameter (a Gatehouse extension) it is
   * filtered, sorted and paged, its token rows carry `status`, and a `limit` adds
   * the count of every matching user as `total`. O(n log n), in slices that give
   * the event loop back.
   */
  async listUsers(
    actor: AuthContext,
    opts: { includeTokens?: boolean; query?: UserListQuery; unusedForDays?: number },
  ): Promise<{ data: UserView[]; digest: string; total?: number }> {
    const query = requireListQuery(opts.query ?? {}, USER_SORT_KEYS);
    const extended = isExtendedListQuery(query) || opts.unusedForDays !== undefined;
    const { config } = await this.readCurrentConfig();
    const digest = this.digestFor(actor, config, "users");
    const index = await readConfigListIndex(config);
    const seesEveryone = this.hasActorPrivilege(actor, config, "/access/users", "Sys.Audit");
    const visible = seesEveryone ? index.users : index.users.filter((user) => user.userid === actor.userid);
    const nowS = nowEpochSeconds(this.clock);
    const lastUses = extended ? await this.readLastUses() : EMPTY_LAST_USES;
    const unused =
      opts.unusedForDays === undefined ? visible : await filterUnused(visible, (u) => u.userid, lastUses, opts.unusedForDays, nowS);
    const { rows, total } = await selectUsers(unused, query);
    const data = await mapInSlices(rows, (user): UserView => {
      const view: UserView = extended ? toExtendedUserView(user, lastUses) : toUserView(user);
      if (opts.includeTokens === true) {
        const tokens = index.tokensByOwner.get(user.userid) ?? [];
        view.tokens = extended ? tokens.map((token) => toTokenListRow(config, token, nowS, lastUses)) : tokens.map(toTokenView);
      }
      return view;
    });
    return query.limit === undefined ? { data, digest } : { data, digest, total };
  }

  /**
   * One user, with the extension fields `created`, `last-used` and
   * `last-used-source` (issue 14, decision 033): a single read has no paging
   * parameter to opt in with, and PBS clients ignore fields they do not know.
   */
  async readUser(actor: AuthContext, userid: string): Promise<{ data: UserView; digest: string }> {
    const id = requireUserid(userid).userid;
    const { config } = await this.readCurrentConfig();
    const digest = this.digestFor(actor, config, "users");
    if (actor.userid !== id) this.requirePrivilege(actor, config, "/access/users", "Sys.Audit");
    const user = requireUser(config, id);
    return { data: toExtendedUserView(user, await this.readLastUses()), digest };
  }

  async createUser(actor: AuthContext, input: CreateUserInput): Promise<void> {
    const { userid: id, realm } = requireUserid(input.userid);
    if (realm !== BUILTIN_REALM) throw invalidParameter("userid", `only the '${BUILTIN_REALM}' realm is supported`);
    const record: UserRecord = {
      userid: id,
      enable: input.enable ?? true,
      expire: input.expire === undefined ? 0 : requireExpire(input.expire),
      ...requireTextFields(input, USER_TEXT_FIELDS),
      // A ticket of an earlier user of the same name must not come back to life (finding 7).
      ticketsNotBefore: nowEpochSeconds(this.clock),
      created: nowEpochSeconds(this.clock),
    };
    // Checked before the hash so that a caller without the right cannot make us pay for one.
    await this.requireActorPrivilege(actor, "/access/users", "Permissions.Modify");
    const passwordHash = input.password === undefined ? undefined : await this.hashPassword(actor, input.password);
    const audit = [this.audit.event(actor, "user.create", id, passwordHash === undefined ? undefined : "with password")];
    await this.mutateAsActor(
      actor,
      "/access/users",
      "Permissions.Modify",
      undefined,
      (state) => {
        if (Object.hasOwn(state.config.users, id)) throw new ConflictError(`user '${id}' already exists`);
        state.config.users[id] = record;
        if (passwordHash !== undefined) state.passwordHashes[id] = passwordHash;
      },
      audit,
    );
  }

  async updateUser(actor: AuthContext, userid: string, input: UpdateUserInput): Promise<void> {
    const id = requireUserid(userid).userid;
    const expire = input.expire === undefined ? undefined : requireExpire(input.expire);
    const text = requireTextFields(input, USER_TEXT_FIELDS);
    const cleared = requireDeletable(input.delete, USER_TEXT_FIELDS);
    const audit = describeUserUpdate(this.audit, actor, id, input);
    if (isOwnProfileEdit(actor, id, input)) {
      await this.mutateWithDigest(
        input.digest,
        (state) => {
          const user = requireUser(state.config, id);
          for (const field of cleared) delete user[field];
          Object.assign(user, text);
        },
        actor,
        audit,
      );
      return;
    }
    // Checked before the hash so that a caller without the right cannot make us pay for one.
    await this.requireAccountAuthority(actor, id, "update");
    const passwordHash = input.password === undefined ? undefined : await this.hashPassword(actor, input.password);
    await this.mutateAccount(
      actor,
      id,
      "update",
      input.digest,
      (state) => {
        const user = requireUser(state.config, id);
        if (input.enable !== undefined) user.enable = input.enable;
        if (expire !== undefined) user.expire = expire;
        for (const field of cleared) delete user[field];
        Object.assign(user, text);
        if (passwordHash !== undefined) state.passwordHashes[id] = passwordHash;
        // A new password or a disable ends every session; enabling again does not revive them.
        if (passwordHash !== undefined || input.enable === false) user.ticketsNotBefore = nowEpochSeconds(this.clock);
      },
      audit,
    );
  }

  /** Also deletes the user's tokens and every ACL entry naming the user or its tokens. */
  async deleteUser(actor: AuthContext, userid: string, digest?: string): Promise<void> {
    const id = requireUserid(userid).userid;
    await this.requireAccountAuthority(actor, id, "delete");
    await this.mutateAccount(
      actor,
      id,
      "delete",
      digest,
      (state) => {
        requireUser(state.config, id);
        delete state.config.users[id];
        delete state.passwordHashes[id];
        for (const tokenid of Object.keys(state.config.tokens)) {
          if (ownerOfTokenId(tokenid) === id) deleteTokenFromState(state, tokenid);
        }
        state.config.acl = state.config.acl.filter((entry) => ownerOfUgid(entry.ugid) !== id);
      },
      [this.audit.event(actor, "user.delete", id)],
    );
    // PBS drops the user's second factors with the user. The user is gone either way;
    // should this fail, a user of the same name created later would be asked for the
    // old factors (harder to log in, never easier) until an admin removes them.
    await this.twoFactor.removeUser(id).catch(() => undefined);
  }

  async setPassword(actor: AuthContext, userid: string, password: string): Promise<void> {
    const id = requireUserid(userid).userid;
    requirePassword(password);
    // Refused before the hash, so a caller without the right cannot make us pay for one.
    await this.requireAccountAuthority(actor, id, "set-password");
    const hash = await this.hashPassword(actor, password);
    await this.mutateAccount(
      actor,
      id,
      "set-password",
      undefined,
      (state) => {
        requireUser(state.config, id).ticketsNotBefore = nowEpochSeconds(this.clock);
        state.passwordHashes[id] = hash;
      },
      [this.audit.event(actor, "user.password", id)],
    );
  }

  /**
   * PBS's `user_update_auth` (src/api2/access/mod.rs): before a password change the
   * caller confirms with its own current password (PBS exempts only root@pam; here
   * only the local CLI, which can edit the store anyway). A token is let through to
   * the change itself, which refuses tokens. A wrong confirmation is a failed login
   * for the throttles, so a stolen session cannot guess the password through it,
   * and a ticket never counts as a password here.
   *
   * Gatehouse answers 400 (missing) and 403 (wrong) where PBS answers 401: a 401
   * ends a browser session, and a typo in the confirmation must not log anyone out.
   */
  async confirmActorPassword(
    actor: AuthContext,
    confirmation: string | undefined,
    source?: string,
    parameter = "confirmation-password",
  ): Promise<void> {
    if (actor.via === "system" || actor.tokenName !== null) return;
    if (confirmation === undefined || confirmation === "") {
      throw invalidParameter(parameter, `the current password of ${actor.userid} is required for this change`);
    }
    const throttleId = passwordThrottleId(actor.userid);
    this.throwIfThrottled(throttleId, source);
    let verified: boolean;
    if (confirmation.startsWith("PBS:")) {
      this.throttle.recordFailure(throttleId, source, this.throttle.fingerprint(throttleId, confirmation), NOT_A_VALID_TICKET);
      verified = false;
    } else {
      verified = await this.checkPassword(actor.userid, confirmation, source);
    }
    if (!verified) throw new PermissionDeniedError(`${parameter}: not the current password of the logged-in user`);
  }

  /**
   * "End all sessions": every ticket of the user issued before now is refused from
   * the next request on, in every process and node (the config generation carries
   * it, I5). Tokens are not sessions and keep working.
   */
  async endSessions(actor: AuthContext, userid: string): Promise<void> {
    const id = requireUserid(userid).userid;
    await this.requireAccountAuthority(actor, id, "end-sessions");
    await this.mutateAccount(
      actor,
      id,
      "end-sessions",
      undefined,
      (state) => {
        requireUser(state.config, id).ticketsNotBefore = nowEpochSeconds(this.clock);
      },
      [this.audit.event(actor, "user.end-sessions", id)],
    );
  }

  // --- tokens -----------------------------------------------------------------

  /** PBS's listing of one user's tokens; with any `query` parameter, filtered, sorted and paged as listUsers. */
  async listTokens(
    actor: AuthContext,
    userid: string,
    query?: TokenListQuery,
    unusedForDays?: number,
  ): Promise<{ data: TokenView[]; digest: string; total?: number }> {
    const id = requireUserid(userid).userid;
    const checked = requireListQuery(query ?? {}, TOKEN_SORT_KEYS);
    const { config } = await this.readCurrentConfig();
    const digest = this.digestFor(actor, config, "users");
    this.requireTokenReadAccess(actor, config, id);
    requireUser(config, id);
    const owned = (await readConfigListIndex(config)).tokensByOwner.get(id) ?? [];
    if (!isExtendedListQuery(checked) && unusedForDays === undefined) return { data: owned.map(toTokenView), digest };
    return { ...(await this.selectTokenRows(config, owned, checked, unusedForDays)), digest };
  }

  /**
   * Every token the actor may see, across users (a Gatehouse extension): all of
   * them with Sys.Audit on `/access/users`, else the tokens of the actor's own
   * user. Each row carries `status`; filtered, sorted and paged as listUsers.
   */
  async listAllTokens(
    actor: AuthContext,
    query?: TokenListQuery,
    unusedForDays?: number,
  ): Promise<{ data: TokenListRow[]; digest: string; total?: number }> {
    const checked = requireListQuery(query ?? {}, TOKEN_SORT_KEYS);
    const { config } = await this.readCurrentConfig();
    const digest = this.digestFor(actor, config, "users");
    const index = await readConfigListIndex(config);
    const seesEveryone = this.hasActorPrivilege(actor, config, "/access/users", "Sys.Audit");
    const visible = seesEveryone ? index.tokens : (index.tokensByOwner.get(actor.userid) ?? []);
    return { ...(await this.selectTokenRows(config, visible, checked, unusedForDays)), digest };
  }

  private async selectTokenRows(
    config: AccessConfig,
    tokens: readonly TokenRecord[],
    query: TokenListQuery,
    unusedForDays: number | undefined,
  ): Promise<{ data: TokenListRow[]; total?: number }> {
    const nowS = nowEpochSeconds(this.clock);
    const lastUses = await this.readLastUses();
    const candidates = unusedForDays === undefined ? tokens : await filterUnused(tokens, (t) => t.tokenid, lastUses, unusedForDays, nowS);
    const { rows, total } = await selectTokens(config, candidates, query, nowS, ownerOfTokenId);
    const data = await mapInSlices(rows, (token) => toTokenListRow(config, token, nowS, lastUses));
    return query.limit === undefined ? { data } : { data, total };
  }

  /** One token as an extended listing row: status, created, last use and overlap (decision 033). */
  async readToken(actor: AuthContext, userid: string, tokenName: string): Promise<{ data: TokenListRow; digest: string }> {
    const tokenid = requireTokenId(userid, tokenName);
    const { config } = await this.readCurrentConfig();
    const digest = this.digestFor(actor, config, "users");
    this.requireTokenReadAccess(actor, config, tokenid.userid);
    const token = requireToken(config, tokenid.authid);
    return { data: toTokenListRow(config, token, nowEpochSeconds(this.clock), await this.readLastUses()), digest };
  }

  /** The secret is returned only here and on regenerate. */
  async createToken(
    actor: AuthContext,
    userid: string,
    tokenName: string,
    input: CreateTokenInput,
  ): Promise<{ tokenid: string; value: string }> {
    const tokenid = requireTokenId(userid, tokenName);
    const record: TokenRecord = {
      tokenid: tokenid.authid,
      enable: input.enable ?? true,
      expire: input.expire === undefined ? 0 : requireExpire(input.expire),
      ...requireTextFields(input, TOKEN_TEXT_FIELDS),
      created: nowEpochSeconds(this.clock),
    };
    await this.requireAccountAuthority(actor, tokenid.userid, "manage-tokens");
    // Checked before the hash too, so a user at its quota cannot make us pay for one.
    this.requireTokenQuota((await this.readCurrentConfig()).config, tokenid.userid);
    const secret = generateTokenSecret();
    const hash = await this.hashSecret(actor, secret);
    await this.store.mutate(
      (state) => {
        requireAuthorityOverAccount(state.config, actor, tokenid.userid, "manage-tokens");
        requireUser(state.config, tokenid.userid);
        if (Object.hasOwn(state.config.tokens, tokenid.authid)) {
          throw new ConflictError(`token '${tokenid.authid}' already exists`);
        }
        this.requireTokenQuota(state.config, tokenid.userid);
        state.config.tokens[tokenid.authid] = record;
        state.tokenHashes[tokenid.authid] = hash;
      },
      { audit: [this.audit.event(actor, "token.create", tokenid.authid)] },
    );
    return { tokenid: tokenid.authid, value: secret };
  }

  /** Returns `{tokenid, secret}` when `regenerate` was set, else null. */
  async updateToken(
    actor: AuthContext,
    userid: string,
    tokenName: string,
    input: UpdateTokenInput,
  ): Promise<{ tokenid: string; secret: string } | null> {
    const tokenid = requireTokenId(userid, tokenName);
    const expire = input.expire === undefined ? undefined : requireExpire(input.expire);
    const text = requireTextFields(input, TOKEN_TEXT_FIELDS);
    const cleared = requireDeletable(input.delete, TOKEN_TEXT_FIELDS);
    const graceS = requireRotationGrace(input.grace, input.regenerate === true);
    await this.requireAccountAuthority(actor, tokenid.userid, "manage-tokens");
    const secret = input.regenerate === true ? generateTokenSecret() : null;
    const hash = secret === null ? null : await this.hashSecret(actor, secret);
    const audit = describeTokenUpdate(this.audit, actor, tokenid.authid, input, graceS);
    const versionsAfter = await this.mutateWithDigest(
      input.digest,
      (state) => {
        requireAuthorityOverAccount(state.config, actor, tokenid.userid, "manage-tokens");
        const token = requireToken(state.config, tokenid.authid);
        if (input.enable !== undefined) token.enable = input.enable;
        if (expire !== undefined) token.expire = expire;
        for (const field of cleared) delete token[field];
        Object.assign(token, text);
        if (hash !== null) rotateTokenSecret(state, token, hash, graceS, nowEpochSeconds(this.clock));
      },
      actor,
      audit,
    );
    if (secret === null) return null;
    await this.cacheIssuedSecret(tokenid.authid, secret, versionsAfter);
    return { tokenid: tokenid.authid, secret };
  }

  /**
   * A secret this process generated and hashed itself is as good as verified here:
   * its first use costs no argon2 run, and a flood of wrong secrets throttling the
   * token id cannot refuse the holder of a rotation it just received. Cached only
   * if nothing changed since the rotation's own write (the I2 rule), so a second
   * rotation elsewhere in between leaves the cache alone.
   */
  private async cacheIssuedSecret(authid: string, secret: string, versionsAfterWrite: StoreVersions): Promise<void> {
    if (!this.tokenCacheEnabled) return;
    // The secret was made here, not read after a catch-up, so the cache must stand
    // exactly at the rotation's own write: a catch-up that already reached newer
    // content may have merged a second rotation into the same change, and then the
    // secret is not cached at all (its first use pays one hash, as any other).
    await this.secretSync.catchUp(versionsAfterWrite.secrets);
    if (this.secretCache.currentVersion !== versionsAfterWrite.secrets) return;
    const sequenceAtWrite = this.secretCache.sequence;
    const versionsNow = await this.readVersions();
    await this.secretSync.catchUp(versionsNow.secrets);
    this.secretCache.insertUnlessChangedSince(authid, secret, sequenceAtWrite, this.clock.nowMs());
  }

  /** Also removes the token's ACL entries. */
  async deleteToken(actor: AuthContext, userid: string, tokenName: string, digest?: string): Promise<void> {
    const tokenid = requireTokenId(userid, tokenName);
    await this.requireAccountAuthority(actor, tokenid.userid, "manage-tokens");
    await this.mutateWithDigest(
      digest,
      (state) => {
        requireAuthorityOverAccount(state.config, actor, tokenid.userid, "manage-tokens");
        requireToken(state.config, tokenid.authid);
        deleteTokenFromState(state, tokenid.authid);
      },
      actor,
      [this.audit.event(actor, "token.delete", tokenid.authid)],
    );
  }

  // --- ACL and permissions ------------------------------------------------------

  /**
   * Every entry for an auditor (Sys.Audit on `/access/acl`); anyone else gets 200
   * with only the entries of its own API tokens, and a token gets none, as PBS's
   * `read_acl` (src/api2/access/acl.rs) filters instead of refusing.
   */
  async readAcl(actor: AuthContext, opts: { path?: string; exact?: boolean }): Promise<{ data: AclView[]; digest: string }> {
    const path = opts.path === undefined ? undefined : requireAclPath(opts.path);
    const { config } = await this.readCurrentConfig();
    const digest = this.digestFor(actor, config, "acl");
    const seesAll = this.hasActorPrivilege(actor, config, "/access/acl", "Sys.Audit");
    const isVisible = (entry: AclEntry) =>
      seesAll || (actor.tokenName === null && isTokenAuthid(entry.ugid) && ownerOfTokenId(entry.ugid) === actor.userid);
    const data = config.acl
      .filter((entry) => (path === undefined || isAclPathSelected(entry.path, path, opts.exact === true)) && isVisible(entry))
      .map((entry): AclView => ({ ...entry, ugid_type: "user" }));
    return { data, digest };
  }

  /**
   * Permissions.Modify on `/access/acl` sets any entry. Without it a user may set
   * entries for its own API tokens only (PBS `update_acl`), and, stricter than PBS,
   * only with a role whose every privilege the user itself holds on that path:
   * the token could not use more anyway (its privileges are intersected with its
   * owner's), and an entry that grants nothing usable only misleads a reader.
   */
  async updateAcl(actor: AuthContext, input: UpdateAclInput): Promise<void> {
    const path = requireAclPath(input.path);
    if (!isRoleId(input.role)) throw invalidParameter("role", "unknown role");
    const role = input.role;
    const ugid = requireAuthid(input.authId);
    const propagate = input.propagate ?? true;
    const removing = input.delete === true;
    // PBS checks the path's structure only when adding, so an entry on a path it no longer accepts can still be removed.
    if (!removing && !isKnownAclPath(path)) throw invalidParameter("path", `invalid acl path '${path}'.`);
    const requireAccess = (config: AccessConfig) => this.requireAclUpdateAccess(actor, config, path, ugid, role, removing);
    requireAccess((await this.readCurrentConfig()).config);
    const changeAcl = (state: AccessState): void => {
      if (removing) {
        // Removing an entry that is already gone leaves nothing to do, as in PBS.
        state.config.acl = state.config.acl.filter((entry) => !(entry.path === path && entry.ugid === ugid && entry.roleid === role));
        return;
      }
      requireAuthidExists(state.config, ugid);
      state.config.acl = insertAclRole(state.config.acl, { path, ugid, roleid: role, propagate });
    };
    // Removing or overriding (NoAccess) the last superuser's entry on `/` is refused.
    const detail = `${removing ? "remove" : "add"} ${role} for ${ugid}${removing || propagate ? "" : " (no propagate)"}`;
    await this.mutateWithAclDigest(
      input.digest,
      (state) => {
        requireAccess(state.config);
        this.changeKeepingSuperuser(state, changeAcl);
      },
      actor,
      [this.audit.event(actor, "acl.update", path, detail)],
    );
  }

  private requireAclUpdateAccess(
    actor: AuthContext,
    config: AccessConfig,
    path: string,
    ugid: string,
    role: RoleId,
    removing: boolean,
  ): void {
    if (this.hasActorPrivilege(actor, config, "/access/acl", "Permissions.Modify")) return;
    // PBS's messages for these refusals (src/api2/access/acl.rs); PBS answers 400, we answer 403.
    if (actor.tokenName !== null) throw new PermissionDeniedError("Unprivileged API tokens can't set ACL items.");
    if (!isTokenAuthid(ugid)) throw new PermissionDeniedError("Unprivileged users can only set ACL items for API tokens.");
    if (ownerOfTokenId(ugid) !== actor.userid) {
      throw new PermissionDeniedError("Unprivileged users can only set ACL items for their own API tokens.");
    }
    if (removing) return;
    const held = computePrivileges(config, actor.authid, path);
    const missing = ROLES[role].filter((privilege) => !held.has(privilege));
    if (missing.length > 0) {
      throw new PermissionDeniedError(`role '${role}' needs ${missing.join(", ")} on '${path}', which you do not hold`);
    }
  }

  /**
   * Effective privileges of `authId` (default: the actor) on `path`, or by default
   * on every ACL path, every path above one, and `/`, `/access`, `/datastore`,
   * `/remote` and `/system`. A path where it holds nothing is left out, even when
   * asked for: PBS's `list_permissions` (src/api2/access/mod.rs) does not leak paths.
   */
  async readPermissions(actor: AuthContext, opts: { authId?: string; path?: string }): Promise<PermissionsView> {
    const path = opts.path === undefined ? undefined : requireAclPath(opts.path);
    const authid = opts.authId === undefined ? actor.authid : requireAuthid(opts.authId);
    const { config } = await this.readCurrentConfig();
    if (!canSeePermissionsOf(actor, authid)) this.requirePrivilege(actor, config, "/access", "Sys.Audit");
    if (actor.via !== "system" || authid !== actor.authid) requireAuthidExists(config, authid);
    const paths = path === undefined ? listPermissionPaths((await readConfigListIndex(config)).aclPaths) : [path];
    const view: PermissionsView = {};
    for (const p of paths) {
      const privileges = privilegesToRecord(computePrivileges(config, authid, p));
      if (Object.keys(privileges).length > 0) view[p] = privileges;
    }
    return view;
  }

  /** Counters of the authentication paths, for monitoring; needs Sys.Audit on `/system`. */
  async readMetrics(actor: AuthContext): Promise<AuthMetricsSnapshot> {
    await this.requireActorPrivilege(actor, "/system", "Sys.Audit");
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
        hits: this.metrics.tokenCacheHits,
        misses: this.metrics.tokenCacheMisses,
        refreshes: this.metrics.tokenCacheRefreshes,
        entries: this.secretCache.size(),
      },
      ticketCache: { hits: this.ticketCache.hits, misses: this.ticketCache.misses, entries: this.ticketCache.size },
      slowVerifyLatency: this.metrics.slowVerifyLatency.snapshot(),
      hashGate: this.hashGate.stats(),
      throttled: this.metrics.throttled,
      tokenFailures: this.metrics.tokenFailures,
    };
  }

  listDomains(): DomainView[] {
    return [{ realm: BUILTIN_REALM, type: "pbs", comment: "Gatehouse built-in realm", default: true }];
  }

  /** Flushes the last-use times of this process, then closes the store. */
  async close(): Promise<void> {
    await this.lastUsed.flush().catch((error: unknown) => this.options.onAuditError?.(error));
    await this.store.close();
  }

  // --- audit log and last use (issue 14) ------------------------------------------

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
    await this.audit.recordStandalone([this.audit.event(actor, action, target, detail, outcome)]);
  }

  /** `GET /access/audit`: needs Sys.Audit on `/system`. Newest first. */
  async readAudit(actor: AuthContext, query: Partial<AuditQuery>): Promise<{ data: AuditRecord[]; total: number }> {
    const checked = requireAuditQuery(query);
    await this.requireActorPrivilege(actor, "/system", "Sys.Audit");
    const page = await this.audit.read(checked);
    return { data: page.rows, total: page.total };
  }

  /** Stored last uses merged with this process's unflushed ones. */
  private async readLastUses(): Promise<ReadonlyMap<string, LastUse>> {
    const stored = new Map((await this.store.readLastUsed?.()) ?? []);
    mergeLastUses(stored, this.lastUsed.readPending());
    return stored;
  }

  // --- token slow path ----------------------------------------------------------

  private async authenticateTokenSlowly(
    context: AuthContext,
    secret: string,
    versions: StoreVersions,
    source: string | undefined,
  ): Promise<AuthContext | null> {
    const throttleId = tokenThrottleId(context.authid);
    // Failures count per (token id, address) and per address, so other clients'
    // wrong secrets never refuse this one (I7). The id's ceiling refuses only an
    // address that failed on the id itself, and never a secret this process
    // verified before (now past the TTL).
    this.throwIfThrottled(
      throttleId,
      source,
      () => this.tokenCacheEnabled && this.secretCache.wasVerifiedEarlierCurrent(context.authid, secret),
    );
    const fingerprint = this.throttle.fingerprint(throttleId, secret);
    // A secret that already failed against the hash stored now (a stale runner
    // after a rotation) is refused without a hash and is not counted again.
    if (this.throttle.isKnownWrong(throttleId, fingerprint, (await this.store.readTokenHash(context.authid)) ?? NO_STORED_HASH)) {
      this.metrics.tokenFailures++;
      return null;
    }
    const verification = await this.runTimedOnGate(
      this.collapseKeyFor(context.authid, secret, versions),
      () => this.verifyTokenSecret(context.authid, secret),
      this.sourceOwner(source),
    );
    // Enable and expiry are checked again against a config read after the hash:
    // a disable that landed while argon2 ran must still win (I5), and so must the
    // end of a rotation's overlap.
    const freshConfig = (await this.configCache.get(verification.versionsAfter.config)).config;
    const nowS = nowEpochSeconds(this.clock);
    const valid =
      verification.valid &&
      isTokenActive(freshConfig, context, nowS) &&
      (!verification.viaPreviousSecret || isPreviousSecretLive(freshConfig.tokens[context.authid], nowS));
    if (!valid) {
      this.metrics.tokenFailures++;
      this.throttle.recordFailure(throttleId, source, fingerprint, verification.checkedHash ?? NO_STORED_HASH);
      return null;
    }
    this.throttle.recordSuccess(throttleId, source);
    this.lastUsed.note(context.authid, this.clock.nowMs(), source);
    return context;
  }

  /**
   * A token id that does not exist, or a token or owner that is disabled or
   * expired: refused after one dummy verification through the gate, so that its
   * answer takes as long as a wrong secret for an active token and the timing does
   * not tell which ids exist (finding 8). A repeat is refused at once, as a
   * repeated wrong secret is.
   */
  private refuseUnusableToken(context: AuthContext, secret: string, source: string | undefined): Promise<null> | null {
    this.metrics.tokenFailures++;
    const throttleId = tokenThrottleId(context.authid);
    this.throwIfThrottled(throttleId, source);
    const fingerprint = this.throttle.fingerprint(throttleId, secret);
    if (this.throttle.isKnownWrong(throttleId, fingerprint, NO_STORED_HASH)) return null;
    return this.runTimedOnGate(null, () => verifyAgainstDummyHash(this.hasher, secret), this.sourceOwner(source)).then(() => {
      this.throttle.recordFailure(throttleId, source, fingerprint, NO_STORED_HASH);
      return null;
    });
  }

  /**
   * Verifies a cached secret again in the background before its entry expires, so a
   * token in steady use never has its requests wait for argon2 at the TTL. At most
   * one refresh per token runs at a time. A refresh that finds the secret no longer
   * valid (an edit no version showed, I3) drops the entry at once, sooner than the
   * TTL would; one that the full gate turns away is simply tried on a later hit.
   */
  private refreshCachedSecret(authid: string, secret: string, versions: StoreVersions): void {
    if (this.refreshingTokens.has(authid)) return;
    this.refreshingTokens.add(authid);
    this.metrics.tokenCacheRefreshes++;
    this.runTimedOnGate(this.collapseKeyFor(authid, secret, versions), () => this.verifyTokenSecret(authid, secret))
      .then(
        (verification) => {
          if (!verification.valid) this.secretCache.forget(authid);
        },
        () => {
          // Gate full or store unreadable: the entry keeps its TTL and a later hit retries.
        },
      )
      .finally(() => this.refreshingTokens.delete(authid));
  }

  /**
   * Identical concurrent requests share one argon2 run. The secrets version is part
   * of the key: a request that started after a rotation saw a newer version, so it
   * can never join a verification that may have read the old hash (I1).
   */
  private collapseKeyFor(authid: string, secret: string, versions: StoreVersions): string | null {
    // The uncached baseline must pay one hash per request, or the bench would flatter it.
    if (!this.tokenCacheEnabled) return null;
    return `${authid}\0${versions.secrets}\0${this.secretCache.fingerprint(authid, secret)}`;
  }

  private async verifyTokenSecret(authid: string, secret: string): Promise<TokenVerification> {
    // Noted before the hash is read, with the cache caught up to at least that
    // version: if this token changes from here on, a later catch-up names it and the
    // result, which may describe a secret that no longer exists, is not cached (I2).
    // Changes to other tokens do not stop the insert (I6).
    const versionsBefore = await this.readVersions();
    if (this.tokenCacheEnabled) await this.secretSync.catchUp(versionsBefore.secrets);
    const sequenceBefore = this.secretCache.sequence;
    const hash = await this.store.readTokenHash(authid);
    const hashes = hash === undefined ? undefined : splitStoredTokenHash(hash);
    let valid = hashes !== undefined && (await this.verifyStoredHash(hashes.current, secret));
    // The secret replaced by a rotation with overlap (decision 031): checked only
    // while its deadline has not passed, and never cached, so every use compares
    // the clock with the deadline and none outlives it.
    let viaPreviousSecret = false;
    if (!valid && hashes?.previous !== undefined && (await this.isPreviousSecretLiveNow(authid))) {
      valid = viaPreviousSecret = await this.verifyStoredHash(hashes.previous, secret);
    }
    // A secret imported from PBS is re-hashed on its first success; the rotation-like
    // change means this result is not cached, and the next request verifies argon2id.
    if (valid && !viaPreviousSecret && hashes !== undefined && classifyCryptHash(hashes.current) === "sha256-crypt") {
      await this.upgradeLegacyHash("token", authid, hashes.current, secret);
    }
    const versionsAfter = await this.readVersions();
    if (valid && !viaPreviousSecret && this.tokenCacheEnabled) {
      await this.secretSync.catchUp(versionsAfter.secrets);
      this.secretCache.insertUnlessChangedSince(authid, secret, sequenceBefore, this.clock.nowMs());
    }
    return { valid, versionsAfter, checkedHash: hash, viaPreviousSecret };
  }

  private async isPreviousSecretLiveNow(authid: string): Promise<boolean> {
    const { config } = await this.readCurrentConfig();
    const token = Object.hasOwn(config.tokens, authid) ? config.tokens[authid] : undefined;
    return isPreviousSecretLive(token, nowEpochSeconds(this.clock));
  }

  /**
   * A gated slow-hash task. Its time from arrival to answer, queueing included, goes
   * into the latency histogram; refusals by the full gate are counted by the gate.
   */
  private async runTimedOnGate<T>(collapseKey: string | null, task: () => Promise<T>, owner?: GateOwner): Promise<T> {
    const startedAt = performance.now();
    const result = await this.hashGate.run(collapseKey, task, owner);
    this.metrics.slowVerifyLatency.observe((performance.now() - startedAt) / 1000);
    return result;
  }

  // --- login ----------------------------------------------------------------------

  /**
   * A renewal: a valid ticket of this very user, whose sessions were not ended
   * since (finding 7), gets a new one. A valid ticket is never throttled; anything
   * else posted as a ticket is a failed login like a wrong password.
   */
  private async renewTicket(userid: string, rawTicket: string, source: string | undefined): Promise<LoginSuccess | null> {
    const ticket = this.verifyRenewalTicketFor(userid, rawTicket);
    if (ticket === null) {
      const throttleId = passwordThrottleId(userid);
      this.throwIfThrottled(throttleId, source);
      this.throttle.recordFailure(throttleId, source, this.throttle.fingerprint(throttleId, rawTicket), NOT_A_VALID_TICKET);
      return null;
    }
    const { config } = await this.readCurrentConfig();
    return isTicketLive(config, userid, ticket.issuedAt, nowEpochSeconds(this.clock)) ? this.issueTicket(userid) : null;
  }

  private verifyRenewalTicketFor(userid: string, rawTicket: string): VerifiedTicket | null {
    const ticket = this.ticketCache.verify(rawTicket, nowEpochSeconds(this.clock));
    // A valid ticket of one user must never renew into a ticket of another.
    return ticket !== null && ticket.authid === userid ? ticket : null;
  }

  /**
   * Whether `password` is the user's, through the gate as one task of `source`.
   * A wrong one is recorded for the throttles; a password that already failed
   * against the hash stored now is refused without a hash. An unknown user costs
   * the same hash as a known one, so timing tells nothing (V6.3.8).
   */
  private async checkPassword(userid: string, password: string, source: string | undefined): Promise<boolean> {
    const throttleId = passwordThrottleId(userid);
    const fingerprint = this.throttle.fingerprint(throttleId, password);
    if (password.length === 0 || password.length > PASSWORD_MAX_LENGTH) {
      this.throttle.recordFailure(throttleId, source, fingerprint, NO_STORED_HASH);
      return false;
    }
    if (this.throttle.isKnownWrong(throttleId, fingerprint, (await this.store.readPasswordHash(userid)) ?? NO_STORED_HASH)) return false;
    const outcome = await this.runTimedOnGate(
      null,
      async () => {
        // Read again inside the slot: a password changed while this waited must decide.
        const hash = await this.store.readPasswordHash(userid);
        if (hash === undefined) {
          await verifyAgainstDummyHash(this.hasher, password);
          return { valid: false, checkedHash: NO_STORED_HASH };
        }
        const valid = await this.verifyStoredHash(hash, password);
        if (valid && classifyCryptHash(hash) === "sha256-crypt") await this.upgradeLegacyHash("password", userid, hash, password);
        return { valid, checkedHash: hash };
      },
      this.sourceOwner(source),
    );
    if (outcome.valid) this.throttle.recordSuccess(throttleId, source);
    else this.throttle.recordFailure(throttleId, source, fingerprint, outcome.checkedHash);
    return outcome.valid;
  }

  /**
   * argon2id through the hasher, or a sha256-crypt hash imported from PBS
   * (legacy-crypt-hash.ts). A yescrypt hash is never stored: the import refuses it.
   */
  private async verifyStoredHash(hash: string, secret: string): Promise<boolean> {
    if (classifyCryptHash(hash) === "sha256-crypt") return verifySha256Crypt(hash, secret);
    return this.hasher.verify(hash, secret);
  }

  /**
   * Replaces an imported sha256-crypt hash with argon2id after it verified, as PBS
   * re-hashes a password whose hash is not its current kind. Only the hash that was
   * verified is replaced: a password set or a token rotated meanwhile stays. A
   * failure (the store busy) keeps the old hash, and the next success tries again.
   */
  private async upgradeLegacyHash(kind: "password" | "token", id: string, legacyHash: string, secret: string): Promise<void> {
    try {
      // Already inside the gate slot of the verification that succeeded.
      const upgraded = await this.hasher.hash(secret);
      await this.store.mutate((state) => {
        const hashes = kind === "password" ? state.passwordHashes : state.tokenHashes;
        if (hashes[id] === legacyHash) hashes[id] = upgraded;
      });
    } catch {
      // The verification stands either way; the upgrade is simply tried on the next success.
    }
  }

  private issueTicket(userid: string): LoginSuccess {
    const nowS = nowEpochSeconds(this.clock);
    return {
      username: userid,
      ticket: createTicket(userid, this.keys.ticketPrivateKey, nowS),
      ticketTime: nowS,
      ticketInfo: formatTicketInfo(userid, nowS),
      CSRFPreventionToken: createCsrfToken(userid, this.keys.csrfKey, nowS),
    };
  }

  // --- throttling -------------------------------------------------------------------

  /**
   * Throws TooManyRequestsError when the address, the (id, address) pair or, for
   * an address that failed on the id, the id's ceiling says wait.
   * `isVerifiedBefore` is asked only when the ceiling would refuse.
   */
  private throwIfThrottled(throttleId: string, source: string | undefined, isVerifiedBefore?: () => boolean): void {
    this.throwIfWaiting(this.throttle.retryAfterS(throttleId, source, isVerifiedBefore));
  }

  private throwIfSourceThrottled(source: string | undefined): void {
    this.throwIfWaiting(this.throttle.sourceRetryAfterS(source));
  }

  private throwIfWaiting(retryAfterS: number | null): void {
    if (retryAfterS === null) return;
    this.metrics.throttled++;
    throw new TooManyRequestsError("too many failed authentication attempts", retryAfterS);
  }

  /** A login or token check counts against its client address's share of the gate. */
  private sourceOwner(source: string | undefined): GateOwner | undefined {
    return source === undefined ? undefined : { key: `source:${source}`, limit: this.hashLimitPerSource };
  }

  /** A hash made for a change counts against the acting user's share; the local CLI has none. */
  private actorOwner(actor: AuthContext): GateOwner | undefined {
    return actor.via === "system"
      ? undefined
      : { key: `actor:${actor.userid}`, limit: this.hashLimitPerActor, backlog: this.hashBacklogPerActor };
  }

  // --- store access -------------------------------------------------------------------

  /** Exact versions: the slow path brackets its hash read with these (I2). */
  private async readVersions(): Promise<StoreVersions> {
    const versions = this.store.readVersions();
    return versions instanceof Promise ? await versions : versions;
  }

  /** The versions a request checks its caches against; see AccessStore.readVersionsThisTurn. */
  private readRequestVersions(): StoreVersions | Promise<StoreVersions> {
    return this.store.readVersionsThisTurn?.() ?? this.store.readVersions();
  }

  /** The config snapshot for this request's versions, without a promise when both are in memory. */
  private readCurrentConfig(): MaybePromise<ConfigSnapshot> {
    return whenResolved(this.readRequestVersions(), (versions) => this.configCache.get(versions.config));
  }

  /** Hashes a new password through the gate, as one task of the acting user (finding 5). */
  private hashPassword(actor: AuthContext, password: string): Promise<string> {
    requirePassword(password);
    return this.hashGate.run(null, () => this.hasher.hash(password), this.actorOwner(actor));
  }

  /** Hashes a new token secret through the gate, as one task of the acting user (finding 5). */
  private hashSecret(actor: AuthContext, secret: string): Promise<string> {
    return this.hashGate.run(null, () => this.hasher.hash(secret), this.actorOwner(actor));
  }

  /**
   * Refuses a new token past the per-user or the total quota (finding 6). The
   * count is O(tokens) over the config keys, cheap next to the hash it precedes.
   */
  private requireTokenQuota(config: AccessConfig, userid: string): void {
    let total = 0;
    let owned = 0;
    const prefix = `${userid}!`;
    for (const tokenid in config.tokens) {
      total++;
      if (tokenid.startsWith(prefix)) owned++;
    }
    if (owned >= this.maxTokensPerUser) {
      throw new QuotaExceededError(
        `user '${userid}' already has ${owned} API tokens, the most one user may have (GATEHOUSE_MAX_TOKENS_PER_USER); delete one first`,
      );
    }
    if (total >= this.maxTokens) {
      throw new QuotaExceededError(
        `the server already holds ${total} API tokens, the most it allows (GATEHOUSE_MAX_TOKENS); delete some first`,
      );
    }
  }

  /**
   * Runs `change` under the store lock after an optimistic check of the users
   * digest (users and tokens, PBS's user.cfg). The digest is compared with the
   * config as read now, and under the lock that part must still equal that read,
   * so an edit in between is a conflict too. Returns the store's versions right
   * after the change, read under its lock.
   */
  private mutateWithDigest(
    digest: string | undefined,
    change: (state: AccessState) => void,
    actor?: AuthContext,
    audit?: readonly AuditEvent[],
  ): Promise<StoreVersions> {
    return this.mutateWithPartDigest("users", digest, change, actor, audit);
  }

  /** mutateWithDigest for the ACL's own digest (PBS's acl.cfg). */
  private mutateWithAclDigest(
    digest: string | undefined,
    change: (state: AccessState) => void,
    actor?: AuthContext,
    audit?: readonly AuditEvent[],
  ): Promise<StoreVersions> {
    return this.mutateWithPartDigest("acl", digest, change, actor, audit);
  }

  /** `audit` holds the records the store writes with the change (decision 030). */
  private async mutateWithPartDigest(
    part: ConfigPart,
    digest: string | undefined,
    change: (state: AccessState) => void,
    actor?: AuthContext,
    audit?: readonly AuditEvent[],
  ): Promise<StoreVersions> {
    const expected = digest === undefined ? null : await this.readConfigWithDigest(digest, part, actor);
    const { versions } = await this.store.mutate(
      (state) => {
        if (expected !== null && !expected.isUnchangedIn(state.config)) throw new ConflictError(DIGEST_CONFLICT_MESSAGE);
        change(state);
      },
      audit === undefined ? undefined : { audit },
    );
    return versions;
  }

  /** A mutation that needs one privilege, checked before and again under the lock against the config it changes. */
  private async mutateAsActor(
    actor: AuthContext,
    path: string,
    privilege: Privilege,
    digest: string | undefined,
    change: (state: AccessState) => void,
    audit?: readonly AuditEvent[],
  ): Promise<void> {
    await this.requireActorPrivilege(actor, path, privilege);
    await this.mutateWithDigest(
      digest,
      (state) => {
        this.requirePrivilege(actor, state.config, path, privilege);
        change(state);
      },
      actor,
      audit,
    );
  }

  /**
   * Checks a digest against the config as read now: the whole part's digest, or
   * the actor's own view of it (what digestFor gave a caller who sees only that).
   * Returns the check to repeat under the lock against the config being changed.
   */
  private async readConfigWithDigest(
    digest: string,
    part: ConfigPart,
    actor: AuthContext | undefined,
  ): Promise<{ isUnchangedIn(config: AccessConfig): boolean }> {
    const { config } = await this.readCurrentConfig();
    const given = digest.toLowerCase();
    if (computeConfigPartDigest(config, part) === given) return { isUnchangedIn: (current) => isSameConfigPart(current, config, part) };
    if (actor !== undefined && computeOwnViewDigest(config, part, actor.userid) === given) {
      return { isUnchangedIn: (current) => computeOwnViewDigest(current, part, actor.userid) === given };
    }
    throw new ConflictError(DIGEST_CONFLICT_MESSAGE);
  }

  /**
   * The digest a read returns: the whole part's for whoever may see all of it
   * (Sys.Audit on `/access/users`, or on `/access/acl`), as PBS; anyone else gets
   * the digest of its own view, never one over other users' records (finding 10).
   */
  private digestFor(actor: AuthContext, config: AccessConfig, part: ConfigPart): string {
    const auditPath = part === "users" ? "/access/users" : "/access/acl";
    if (this.hasActorPrivilege(actor, config, auditPath, "Sys.Audit")) return computeConfigPartDigest(config, part);
    return computeOwnViewDigest(config, part, actor.userid);
  }

  // --- permissions ------------------------------------------------------------------

  private hasActorPrivilege(actor: AuthContext, config: AccessConfig, path: string, privilege: Privilege): boolean {
    return actor.via === "system" || hasPrivilege(config, actor.authid, path, privilege);
  }

  private requirePrivilege(actor: AuthContext, config: AccessConfig, path: string, privilege: Privilege): void {
    if (!this.hasActorPrivilege(actor, config, path, privilege)) throw new PermissionDeniedError();
  }

  private async requireActorPrivilege(actor: AuthContext, path: string, privilege: Privilege): Promise<void> {
    this.requirePrivilege(actor, (await this.readCurrentConfig()).config, path, privilege);
  }

  /** Reading tokens: one's own user, or Sys.Audit on `/access/users` for anyone else's. */
  private requireTokenReadAccess(actor: AuthContext, config: AccessConfig, userid: string): void {
    if (actor.userid !== userid) this.requirePrivilege(actor, config, "/access/users", "Sys.Audit");
  }

  /** Checked before any hash is paid for; the mutation checks again under the lock. */
  private async requireAccountAuthority(actor: AuthContext, userid: string, action: AccountAction): Promise<void> {
    requireAuthorityOverAccount((await this.readCurrentConfig()).config, actor, userid, action);
  }

  /**
   * A change to one user's account: the authority rule is checked again under the
   * lock against the config it changes, and the change may not remove the last
   * active superuser.
   */
  private mutateAccount(
    actor: AuthContext,
    userid: string,
    action: AccountAction,
    digest: string | undefined,
    change: (state: AccessState) => void,
    audit?: readonly AuditEvent[],
  ): Promise<StoreVersions> {
    return this.mutateWithDigest(
      digest,
      (state) => {
        requireAuthorityOverAccount(state.config, actor, userid, action);
        this.changeKeepingSuperuser(state, change);
      },
      actor,
      audit,
    );
  }

  /** Runs `change`, then refuses it if it took away the last active superuser. */
  private changeKeepingSuperuser(state: AccessState, change: (state: AccessState) => void): void {
    const nowS = nowEpochSeconds(this.clock);
    const before = listSuperusers(state.config, nowS);
    change(state);
    requireSuperuserRemains(before, state.config, nowS);
  }
}

const EMPTY_LAST_USES: ReadonlyMap<string, LastUse> = new Map();

function toTokenListRow(config: AccessConfig, token: TokenRecord, nowS: number, lastUses: ReadonlyMap<string, LastUse>): TokenListRow {
  const row: TokenListRow = { ...toTokenView(token), status: computeTokenStatus(config, token, ownerOfTokenId(token.tokenid), nowS) };
  if (token.created !== undefined) row.created = token.created;
  if (isPreviousSecretLive(token, nowS) && token.previousSecretUntil !== undefined)
    row["previous-secret-until"] = token.previousSecretUntil;
  addLastUse(row, lastUses.get(token.tokenid));
  return row;
}

function toExtendedUserView(user: UserRecord, lastUses: ReadonlyMap<string, LastUse>): UserView {
  const view: UserView = toUserView(user);
  if (user.created !== undefined) view.created = user.created;
  addLastUse(view, lastUses.get(user.userid));
  return view;
}

function addLastUse(view: { "last-used"?: number; "last-used-source"?: string }, use: LastUse | undefined): void {
  if (use === undefined) return;
  view["last-used"] = use.time;
  if (use.source !== undefined) view["last-used-source"] = use.source;
}

/**
 * "Not used for N days": neither used nor created within the last N days. A record
 * made before creation times were kept and never seen in use counts as unused.
 */
async function filterUnused<T extends { created?: number }>(
  records: readonly T[],
  idOf: (record: T) => string,
  lastUses: ReadonlyMap<string, LastUse>,
  days: number,
  nowS: number,
): Promise<T[]> {
  if (!Number.isSafeInteger(days) || days < 1 || days > 36_500) throw invalidParameter("unused-days", "expected 1..36500");
  const cutoff = nowS - days * 86_400;
  return filterInSlices(records, (record) => Math.max(lastUses.get(idOf(record))?.time ?? 0, record.created ?? 0) < cutoff);
}

/**
 * PBS lets a user update its own record (`Permission::UserParam`, src/api2/access/user.rs).
 * Gatehouse allows the profile part of that without any privilege: comment, names
 * and email. Enable, expire and the password stay with user admins (the password has
 * its own confirmed route), and a token never edits its owner: a user must not
 * extend its own expiry or re-enable itself (docs/SECURITY.md).
 */
function isOwnProfileEdit(actor: AuthContext, userid: string, input: UpdateUserInput): boolean {
  return (
    actor.via !== "system" &&
    actor.tokenName === null &&
    actor.userid === userid &&
    input.enable === undefined &&
    input.expire === undefined &&
    input.password === undefined
  );
}

/**
 * Adds or updates one role of one ugid on one path, as PBS's `insert_user_role`
 * (pbs-config/src/acl.rs): NoAccess replaces every other role of that ugid on the
 * path, and any other role replaces a NoAccess there.
 */
function insertAclRole(acl: readonly AclEntry[], added: AclEntry): AclEntry[] {
  const isNoAccess = added.roleid === NO_ACCESS_ROLE;
  const kept = acl.filter((entry) => {
    if (entry.path !== added.path || entry.ugid !== added.ugid) return true;
    if (isNoAccess) return false;
    return entry.roleid !== NO_ACCESS_ROLE && entry.roleid !== added.roleid;
  });
  const existingIndex = acl.findIndex((entry) => entry.path === added.path && entry.ugid === added.ugid && entry.roleid === added.roleid);
  if (existingIndex >= 0 && kept.length === acl.length - 1) {
    // Updating the propagate flag of an entry keeps its place in the list.
    const updated = [...acl];
    updated[existingIndex] = added;
    return updated;
  }
  return [...kept, added];
}

/** The user a ticket's authid names, frozen so it can be shared; null for anything but a valid userid. */
function parseTicketContext(authid: string): AuthContext | null {
  const parsed = parseUserid(authid);
  if (!parsed.ok) return null;
  return Object.freeze({ authid: parsed.value.userid, userid: parsed.value.userid, tokenName: null, via: "ticket" });
}

/** The throttles' id for password logins of a user, kept apart from its tokens' ids. */
function passwordThrottleId(userid: string): string {
  return `user:${userid}`;
}

function tokenThrottleId(authid: string): string {
  return `token:${authid}`;
}

function requirePositiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`AccessControl: ${name} must be an integer >= 1, got ${value}`);
  return value;
}

/** The caller a well-formed token id names, frozen so it can be shared; null for anything else. */
function parseTokenContext(authid: string): AuthContext | null {
  const parsed = parseAuthid(authid);
  if (!parsed.ok || parsed.value.tokenName === null) return null;
  return Object.freeze({
    authid: parsed.value.authid,
    userid: parsed.value.userid,
    tokenName: parsed.value.tokenName,
    via: "token",
  });
}
