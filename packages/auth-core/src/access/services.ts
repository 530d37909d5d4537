/**
 * What every part of the access facade shares: the store and the clock, the config
 * cache, the hash gate and the throttles, the audit recorder and the last-use
 * tracker, with the few steps they all take (read the config for this request,
 * hash through the gate, refuse a throttled caller).
 */
import type { KeyObject } from "node:crypto";
import { performance } from "node:perf_hooks";
import { AuthMetrics } from "../guard/auth-metrics.js";
import { systemClock } from "../core/clock.js";
import type { Clock } from "../core/clock.js";
import { ConfigCache } from "../cache/config-cache.js";
import type { ConfigSnapshot } from "../cache/config-cache.js";
import { TooManyRequestsError } from "../core/errors.js";
import { HashGate } from "../guard/hash-gate.js";
import type { GateOwner } from "../guard/hash-gate.js";
import { requirePassword } from "../core/input-rules.js";
import { argon2Hasher } from "../crypto/password-hash.js";
import type { SecretHasher } from "../crypto/password-hash.js";
import { classifyCryptHash, verifySha256Crypt } from "../crypto/legacy-crypt-hash.js";
import type { AccessStore, StoreVersions } from "../store/store.js";
import { CredentialThrottle } from "../guard/throttle.js";
import type { ThrottleLimits } from "../guard/throttle.js";
import { VerifiedTicketCache } from "../crypto/ticket.js";
import { whenResolved, type MaybePromise } from "../core/maybe-promise.js";
import { AuditRecorder } from "./access-audit.js";
import { LastUsedTracker, mergeLastUses } from "../store/last-used.js";
import type { LastUse } from "../store/last-used.js";
import type { AccessControlOptions, AuthContext } from "./types.js";

export const BUILTIN_REALM = "pbs";
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
const THROTTLE_MAX_KEYS = 10_000;

/**
 * What a wrong credential was compared with when there was no stored hash: an id
 * that does not exist or is not active, or a renewal ticket that did not verify.
 * No stored hash can equal it, so the record ends once a hash appears.
 */
export const NO_STORED_HASH = "\0none";
const TICKET_CACHE_MAX_ENTRIES = 10_000;

export interface SigningKeys {
  ticketPrivateKey: KeyObject;
  ticketPublicKey: KeyObject;
  csrfKey: Buffer;
}

export class AccessServices {
  readonly store: AccessStore;
  readonly clock: Clock;
  readonly hasher: SecretHasher;
  /** Bound for noticing out-of-band store edits in the secret cache (I3). */
  readonly tokenCacheTtlMs: number;
  readonly configCache: ConfigCache;
  readonly ticketCache: VerifiedTicketCache;
  readonly hashGate: HashGate;
  readonly throttle: CredentialThrottle;
  readonly metrics = new AuthMetrics();
  readonly audit: AuditRecorder;
  readonly lastUsed: LastUsedTracker;
  private readonly hashLimitPerSource: number;
  private readonly hashLimitPerActor: number;
  private readonly hashBacklogPerActor: number;

  constructor(
    options: AccessControlOptions,
    readonly keys: SigningKeys,
  ) {
    const ttlS = options.tokenCacheTtlS ?? DEFAULT_TOKEN_CACHE_TTL_S;
    if (!Number.isFinite(ttlS) || ttlS < 0) {
      throw new RangeError(`AccessControl: tokenCacheTtlS must be a number >= 0, got ${ttlS}`);
    }
    this.tokenCacheTtlMs = ttlS * 1000;
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.hasher = options.hasher ?? argon2Hasher;
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
  }

  /** Stored last uses merged with this process's unflushed ones. */
  async readLastUses(): Promise<ReadonlyMap<string, LastUse>> {
    const stored = new Map((await this.store.readLastUsed?.()) ?? []);
    mergeLastUses(stored, this.lastUsed.readPending());
    return stored;
  }

  /**
   * A gated slow-hash task. Its time from arrival to answer, queueing included, goes
   * into the latency histogram; refusals by the full gate are counted by the gate.
   */
  async runTimedOnGate<T>(collapseKey: string | null, task: () => Promise<T>, owner?: GateOwner): Promise<T> {
    const startedAt = performance.now();
    const result = await this.hashGate.run(collapseKey, task, owner);
    this.metrics.slowVerifyLatency.observe((performance.now() - startedAt) / 1000);
    return result;
  }

  /**
   * argon2id through the hasher, or a sha256-crypt hash imported from PBS
   * (legacy-crypt-hash.ts). A yescrypt hash is never stored: the import refuses it.
   */
  async verifyStoredHash(hash: string, secret: string): Promise<boolean> {
    if (classifyCryptHash(hash) === "sha256-crypt") return verifySha256Crypt(hash, secret);
    return this.hasher.verify(hash, secret);
  }

  /**
   * Replaces an imported sha256-crypt hash with argon2id after it verified, as PBS
   * re-hashes a password whose hash is not its current kind. Only the hash that was
   * verified is replaced: a password set or a token rotated meanwhile stays. A
   * failure (the store busy) keeps the old hash, and the next success tries again.
   */
  async upgradeLegacyHash(kind: "password" | "token", id: string, legacyHash: string, secret: string): Promise<void> {
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

  /**
   * Throws TooManyRequestsError when the address, the (id, address) pair or, for
   * an address that failed on the id, the id's ceiling says wait.
   * `isVerifiedBefore` is asked only when the ceiling would refuse.
   */
  throwIfThrottled(throttleId: string, source: string | undefined, isVerifiedBefore?: () => boolean): void {
    this.throwIfWaiting(this.throttle.retryAfterS(throttleId, source, isVerifiedBefore));
  }

  throwIfSourceThrottled(source: string | undefined): void {
    this.throwIfWaiting(this.throttle.sourceRetryAfterS(source));
  }

  private throwIfWaiting(retryAfterS: number | null): void {
    if (retryAfterS === null) return;
    this.metrics.throttled++;
    throw new TooManyRequestsError("too many failed authentication attempts", retryAfterS);
  }

  /** A login or token check counts against its client address's share of the gate. */
  sourceOwner(source: string | undefined): GateOwner | undefined {
    return source === undefined ? undefined : { key: `source:${source}`, limit: this.hashLimitPerSource };
  }

  /** A hash made for a change counts against the acting user's share; the local CLI has none. */
  private actorOwner(actor: AuthContext): GateOwner | undefined {
    return actor.via === "system"
      ? undefined
      : { key: `actor:${actor.userid}`, limit: this.hashLimitPerActor, backlog: this.hashBacklogPerActor };
  }

  /** Exact versions: the slow path brackets its hash read with these (I2). */
  async readVersions(): Promise<StoreVersions> {
    const versions = this.store.readVersions();
    return versions instanceof Promise ? await versions : versions;
  }

  /** The versions a request checks its caches against; see AccessStore.readVersionsThisTurn. */
  readRequestVersions(): StoreVersions | Promise<StoreVersions> {
    return this.store.readVersionsThisTurn?.() ?? this.store.readVersions();
  }

  /** The config snapshot for this request's versions, without a promise when both are in memory. */
  readCurrentConfig(): MaybePromise<ConfigSnapshot> {
    return whenResolved(this.readRequestVersions(), (versions) => this.configCache.get(versions.config));
  }

  /** Hashes a new password through the gate, as one task of the acting user (finding 5). */
  hashPassword(actor: AuthContext, password: string): Promise<string> {
    requirePassword(password);
    return this.hashGate.run(null, () => this.hasher.hash(password), this.actorOwner(actor));
  }

  /** Hashes a new token secret through the gate, as one task of the acting user (finding 5). */
  hashSecret(actor: AuthContext, secret: string): Promise<string> {
    return this.hashGate.run(null, () => this.hasher.hash(secret), this.actorOwner(actor));
  }
}

export function requirePositiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`AccessControl: ${name} must be an integer >= 1, got ${value}`);
  return value;
}
