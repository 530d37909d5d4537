/**
 * Authentication of a request: a ticket, or an API token's secret. A credential this
 * process verified before, under the store's current versions, is answered
 * synchronously from the caches; anything else goes through the throttles and the
 * hash gate (the slow path), and a success is cached only as I1, I2 and I6 allow.
 * The hash check itself and the background refresh are in token-secret-verifier.ts.
 */
import { nowEpochSeconds } from "../core/clock.js";
import { isTicketLive, isTokenActive } from "./config-queries.js";
import { LRUCache } from "lru-cache";
import { decodeApiTokenSecret, parseAuthid, parseUserid, splitApiTokenHeader } from "../core/ids.js";
import { verifyAgainstDummyHash } from "../crypto/password-hash.js";
import { TokenSecretCache } from "../cache/secret-cache.js";
import { SecretCacheSync } from "../cache/secret-cache-sync.js";
import type { StoreVersions } from "../store/store.js";
import { whenResolved, type MaybePromise } from "../core/maybe-promise.js";
import { isWellFormedTokenSecret } from "../crypto/token-secret.js";
import { isPreviousSecretLive } from "./token-rotation.js";
import { TokenSecretVerifier } from "./token-secret-verifier.js";
import type { AccessControlOptions, AuthContext, AuthenticationRefusal, AuthenticationRequest } from "./types.js";

import type { AccessServices } from "./services.js";
import { NO_STORED_HASH } from "./services.js";

export class Authenticator {
  readonly secretCache: TokenSecretCache;
  private readonly secretSync: SecretCacheSync;
  private readonly tokenCacheEnabled: boolean;
  private readonly verifier: TokenSecretVerifier;
  /**
   * The caller each token id that authenticated here names, so a token in steady
   * use skips the id parse and the frozen context it would build (about a seventh
   * of a cached check in instruction counts, docs/performance.md). Filled only
   * after a success, so ids that never verified cannot fill it; holds ids, never a
   * secret; bounded like the secret cache. The one memo issue 16 allows.
   */
  private readonly tokenCallers = new LRUCache<string, AuthContext>({ max: TOKEN_CALLER_MEMO_MAX });

  constructor(
    private readonly services: AccessServices,
    options: Pick<AccessControlOptions, "disableTokenCache" | "store">,
  ) {
    this.tokenCacheEnabled = options.disableTokenCache !== true;
    this.secretCache = new TokenSecretCache({ ttlMs: services.tokenCacheTtlMs });
    this.secretSync = new SecretCacheSync(this.secretCache, options.store);
    this.verifier = new TokenSecretVerifier(services, this.secretCache, this.secretSync, this.tokenCacheEnabled);
  }

  /**
   * The one entry point per request: a cookie ticket decides alone, and only
   * without one is the Authorization header read, parsed here once. Answers the
   * caller or why there is none, synchronously on a cache hit (no promise, no
   * microtask), else a promise of the same decision. May throw or reject with
   * TooManyRequestsError.
   */
  authenticate(request: AuthenticationRequest): MaybePromise<AuthContext | AuthenticationRefusal> {
    if (request.cookie !== undefined) return whenResolved(this.authenticateTicketNow(request.cookie), orTicketRefused);
    const header = request.authorization;
    if (header === undefined || header === "") return "no-credential";
    const split = splitApiTokenHeader(header);
    if (!split.ok) return "malformed-authorization";
    const { authid, encodedSecret } = split.value;
    const remembered = this.tokenCallers.get(authid);
    const context = remembered ?? parseTokenContext(authid);
    const secret = context === null ? null : decodeApiTokenSecret(encodedSecret);
    if (context === null || secret === null) return "malformed-authorization";
    const outcome = this.authenticateTokenContext(context, secret, request.source);
    if (remembered !== undefined) return whenResolved(outcome, orTokenRefused);
    return whenResolved(outcome, (auth) => {
      if (auth === null) return "token-refused";
      this.tokenCallers.set(authid, auth);
      return auth;
    });
  }

  /**
   * authenticateTicket, answered synchronously when no I/O is needed: a ticket from
   * the verified-ticket cache whose user is in the in-memory config. The per-request
   * path then allocates no promise and waits for no microtask; anything else
   * returns a promise of the same decision.
   */
  authenticateTicketNow(rawTicket: string): MaybePromise<AuthContext | null> {
    const nowS = nowEpochSeconds(this.services.clock);
    const ticket = this.services.ticketCache.verify(rawTicket, nowS);
    if (ticket === null) return null;
    // Tickets are only ever issued to users; a token authid inside one is not ours.
    const context = parseTicketContext(ticket.authid);
    if (context === null) return null;
    return whenResolved(this.services.readCurrentConfig(), (snapshot) => {
      if (!isTicketLive(snapshot.config, context.userid, ticket.issuedAt, nowS)) return null;
      return context;
    });
  }

  /**
   * authenticateToken, answered synchronously on a cache hit (the secret verified
   * before under the current versions and within the TTL): no promise, no
   * microtask. A miss returns a promise of the slow path's decision. May throw
   * TooManyRequestsError synchronously as well as reject with it.
   */
  authenticateTokenNow(authid: string, secret: string, source?: string): MaybePromise<AuthContext | null> {
    return this.authenticateTokenContext(parseTokenContext(authid), secret, source);
  }

  /** authenticateTokenNow for a token id parsed already (null when it was not a token id). */
  private authenticateTokenContext(
    context: AuthContext | null,
    secret: string,
    source: string | undefined,
  ): MaybePromise<AuthContext | null> {
    // Malformed input is refused before any store read or hash: it cannot be a real token.
    if (context === null || !isWellFormedTokenSecret(secret)) {
      this.services.metrics.tokenFailures++;
      this.services.throttle.recordSourceFailure(source);
      return null;
    }
    return whenResolved(this.services.readRequestVersions(), (versions) => this.checkTokenAgainst(context, secret, versions, source));
  }

  /** The cached-secret check of one token request, against one read of the versions. */
  private checkTokenAgainst(
    context: AuthContext,
    secret: string,
    versions: StoreVersions,
    source: string | undefined,
  ): MaybePromise<AuthContext | null> {
    // Both caches are checked against this one read of the versions: a hit costs no store I/O beyond it.
    return whenResolved(this.services.configCache.get(versions.config), (snapshot) => {
      const nowMs = this.services.clock.nowMs();
      if (!isTokenActive(snapshot.config, context, Math.floor(nowMs / 1000))) return this.refuseUnusableToken(context, secret, source);
      if (!this.tokenCacheEnabled) {
        this.services.metrics.tokenCacheMisses++;
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
      this.services.metrics.tokenCacheHits++;
      this.services.lastUsed.note(context.authid, nowMs, source);
      if (cached === "hit-due") this.verifier.refreshInBackground(context.authid, secret, versions);
      return context;
    }
    this.services.metrics.tokenCacheMisses++;
    return this.authenticateTokenSlowly(context, secret, versions, source);
  }

  /**
   * A secret this process generated and hashed itself is as good as verified here:
   * its first use costs no argon2 run, and a flood of wrong secrets throttling the
   * token id cannot refuse the holder of a rotation it just received. Cached only
   * if nothing changed since the rotation's own write (the I2 rule), so a second
   * rotation elsewhere in between leaves the cache alone.
   */
  async cacheIssuedSecret(authid: string, secret: string, versionsAfterWrite: StoreVersions): Promise<void> {
    if (!this.tokenCacheEnabled) return;
    // The secret was made here, not read after a catch-up, so the cache must stand
    // exactly at the rotation's own write: a catch-up that already reached newer
    // content may have merged a second rotation into the same change, and then the
    // secret is not cached at all (its first use pays one hash, as any other).
    await this.secretSync.catchUp(versionsAfterWrite.secrets);
    if (this.secretCache.currentVersion !== versionsAfterWrite.secrets) return;
    const sequenceAtWrite = this.secretCache.sequence;
    const versionsNow = await this.services.readVersions();
    await this.secretSync.catchUp(versionsNow.secrets);
    this.secretCache.insertUnlessChangedSince(authid, secret, sequenceAtWrite, this.services.clock.nowMs());
  }

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
    this.services.throwIfThrottled(
      throttleId,
      source,
      () => this.tokenCacheEnabled && this.secretCache.wasVerifiedEarlierCurrent(context.authid, secret),
    );
    const fingerprint = this.services.throttle.fingerprint(throttleId, secret);
    // A secret that already failed against the hash stored now (a stale runner
    // after a rotation) is refused without a hash and is not counted again.
    if (
      this.services.throttle.isKnownWrong(
        throttleId,
        fingerprint,
        (await this.services.store.readTokenHash(context.authid)) ?? NO_STORED_HASH,
      )
    ) {
      this.services.metrics.tokenFailures++;
      return null;
    }
    const verification = await this.services.runTimedOnGate(
      this.verifier.collapseKeyFor(context.authid, secret, versions),
      () => this.verifier.verify(context.authid, secret),
      this.services.sourceOwner(source),
    );
    // Enable and expiry are checked again against a config read after the hash:
    // a disable that landed while argon2 ran must still win (I5), and so must the
    // end of a rotation's overlap.
    const freshConfig = (await this.services.configCache.get(verification.versionsAfter.config)).config;
    const nowS = nowEpochSeconds(this.services.clock);
    const valid =
      verification.valid &&
      isTokenActive(freshConfig, context, nowS) &&
      (!verification.viaPreviousSecret || isPreviousSecretLive(freshConfig.tokens[context.authid], nowS));
    if (!valid) {
      this.services.metrics.tokenFailures++;
      this.services.throttle.recordFailure(throttleId, source, fingerprint, verification.checkedHash ?? NO_STORED_HASH);
      return null;
    }
    this.services.throttle.recordSuccess(throttleId, source);
    this.services.lastUsed.note(context.authid, this.services.clock.nowMs(), source);
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
    this.services.metrics.tokenFailures++;
    const throttleId = tokenThrottleId(context.authid);
    this.services.throwIfThrottled(throttleId, source);
    const fingerprint = this.services.throttle.fingerprint(throttleId, secret);
    if (this.services.throttle.isKnownWrong(throttleId, fingerprint, NO_STORED_HASH)) return null;
    return this.services
      .runTimedOnGate(null, () => verifyAgainstDummyHash(this.services.hasher, secret), this.services.sourceOwner(source))
      .then(() => {
        this.services.throttle.recordFailure(throttleId, source, fingerprint, NO_STORED_HASH);
        return null;
      });
  }
}

/** The user a ticket's authid names, frozen so it can be shared; null for anything but a valid userid. */
function parseTicketContext(authid: string): AuthContext | null {
  const parsed = parseUserid(authid);
  if (!parsed.ok) return null;
  return Object.freeze({ authid: parsed.value.userid, userid: parsed.value.userid, tokenName: null, via: "ticket" });
}

/** Bound on the token-caller memo: the secret cache's own bound, so every cached token fits. */
const TOKEN_CALLER_MEMO_MAX = 10_000;

// Module-level, so answering a request allocates no closure.
const orTicketRefused = (auth: AuthContext | null): AuthContext | AuthenticationRefusal => auth ?? "ticket-refused";
const orTokenRefused = (auth: AuthContext | null): AuthContext | AuthenticationRefusal => auth ?? "token-refused";

function tokenThrottleId(authid: string): string {
  return `token:${authid}`;
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
