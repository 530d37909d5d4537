import { createHmac, createSecretKey, randomBytes, timingSafeEqual } from "node:crypto";
import type { KeyObject } from "node:crypto";

/** Default bound on cached tokens; each entry is a 32-byte digest plus its key. */
const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * A hit this far into its TTL asks for a background re-verification: early enough
 * that one argon2 run (tens of milliseconds, longer behind a busy gate) finishes
 * well before the entry expires, late enough to cost one hash per TTL and token.
 */
const REFRESH_AFTER_TTL_FRACTION = 0.75;

/** What the cache says about a presented secret. */
export type SecretCacheAnswer = "miss" | "hit" | "hit-due";

interface CachedSecret {
  /** HMAC-SHA256 of the verified secret under the per-process key; never the secret itself (I4). */
  digest: Buffer;
  insertedAtMs: number;
}

function createProcessHmacKey(): KeyObject {
  const raw = randomBytes(32);
  // A KeyObject keeps its bytes in native memory; the raw bytes are wiped rather than left for the GC.
  const key = createSecretKey(raw);
  raw.fill(0);
  return key;
}

export interface TokenSecretCacheOptions {
  /** Entries older than this are misses, bounding how long an unseen out-of-band edit can go unnoticed (I3). */
  ttlMs: number;
  maxEntries?: number;
}

/**
 * Verified token secrets of one process, valid for exactly one `secrets` store
 * version. The fields are ordinary (not `#private`) so that tests can walk the
 * whole structure and prove that no plaintext secret is reachable from it.
 */
export class TokenSecretCache {
  /**
   * The key of the HMAC-SHA256 digests, random per process: a digest from a heap dump
   * is useless without it. A KeyObject holds its bytes outside the JS heap.
   */
  private readonly hmacKey: KeyObject = createProcessHmacKey();
  /** Map order is insertion order, so the first key is always the oldest entry. */
  private readonly entries = new Map<string, CachedSecret>();
  /** The `secrets` version every entry was verified against; null before the first use. */
  private version: string | null = null;
  /**
   * Counts the changes applied (applyChanges), so a verification can tell whether
   * its token changed while it was hashing (I2 per entry): the sequence at which
   * each token id was last named, and the last sequence that dropped everything.
   */
  private changeSequence = 0;
  private clearedAtSequence = 0;
  private readonly changedAtSequence = new Map<string, number>();
  private readonly ttlMs: number;
  /** Age from which a hit is "hit-due": three quarters of the TTL. */
  private readonly refreshAfterMs: number;
  private readonly maxEntries: number;

  constructor(options: TokenSecretCacheOptions) {
    if (!Number.isFinite(options.ttlMs) || options.ttlMs < 0) {
      throw new RangeError(`TokenSecretCache: ttlMs must be a finite number >= 0, got ${options.ttlMs}`);
    }
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`TokenSecretCache: maxEntries must be an integer >= 1, got ${maxEntries}`);
    }
    this.ttlMs = options.ttlMs;
    this.refreshAfterMs = options.ttlMs * REFRESH_AFTER_TTL_FRACTION;
    this.maxEntries = maxEntries;
  }

  /**
   * True only when `secret` equals the secret verified earlier for `authid` under
   * the same `secrets` version and within the TTL. A changed version flushes the
   * whole cache first, so a rotation or deletion anywhere drops every entry (I1).
   */
  matches(authid: string, secret: string, currentSecretsVersion: string, nowMs: number): boolean {
    return this.lookup(authid, secret, currentSecretsVersion, nowMs) !== "miss";
  }

  /**
   * matches, telling a hit in the last quarter of its TTL apart ("hit-due"): the
   * caller may verify that secret again in the background, so that a busy token
   * never stalls on the hash when its entry expires.
   */
  lookup(authid: string, secret: string, currentSecretsVersion: string, nowMs: number): SecretCacheAnswer {
    this.adoptVersion(currentSecretsVersion);
    const entry = this.entries.get(authid);
    // An expired entry stays until a fresh verification replaces it: it is never a
    // match here, only a hint for wasVerifiedEarlier.
    if (entry === undefined || this.isStale(entry, nowMs)) return "miss";
    // Both digests are 32 bytes, so the compare time depends on neither secret (I4).
    if (!timingSafeEqual(this.digestSecret(authid, secret), entry.digest)) return "miss";
    return nowMs - entry.insertedAtMs >= this.refreshAfterMs ? "hit-due" : "hit";
  }

  /** The secrets version the entries belong to; null before the first. */
  get currentVersion(): string | null {
    return this.version;
  }

  /** Moves on with every applyChanges; a verification notes it before reading the hash (insertUnlessChangedSince). */
  get sequence(): number {
    return this.changeSequence;
  }

  /**
   * Moves the cache to `version`, dropping only the entries of the tokens named in
   * `changed` (I6); null means the changes are unknown and drops every entry, as a
   * plain version change does in `lookup`. Entries of other tokens stay valid: their
   * hash is the one they were verified against, and their enable and expiry are
   * checked against the config on every request anyway (I5).
   */
  applyChanges(version: string, changed: ReadonlySet<string> | null): void {
    this.changeSequence += 1;
    if (changed === null) {
      this.entries.clear();
      this.changedAtSequence.clear();
      this.clearedAtSequence = this.changeSequence;
    } else {
      for (const authid of changed) {
        this.entries.delete(authid);
        this.changedAtSequence.set(authid, this.changeSequence);
      }
      // Bounded like the entries: forgetting the names is safe, it only refuses every insert still in flight.
      if (this.changedAtSequence.size > this.maxEntries) {
        this.changedAtSequence.clear();
        this.clearedAtSequence = this.changeSequence;
      }
    }
    this.version = version;
  }

  /** lookup for a caller that keeps the cache at the current version through applyChanges: no version check here. */
  lookupCurrent(authid: string, secret: string, nowMs: number): SecretCacheAnswer {
    const entry = this.entries.get(authid);
    if (entry === undefined || this.isStale(entry, nowMs)) return "miss";
    if (!timingSafeEqual(this.digestSecret(authid, secret), entry.digest)) return "miss";
    return nowMs - entry.insertedAtMs >= this.refreshAfterMs ? "hit-due" : "hit";
  }

  /** wasVerifiedEarlier for a cache kept current through applyChanges. */
  wasVerifiedEarlierCurrent(authid: string, secret: string): boolean {
    const entry = this.entries.get(authid);
    return entry !== undefined && timingSafeEqual(this.digestSecret(authid, secret), entry.digest);
  }

  /**
   * Records a successful verification unless its token was named by a change applied
   * after `sequenceBefore` (noted before the hash was read), or the cache was cleared
   * since: then the secret may already be rotated away, and caching it would
   * resurrect it (I2, per entry). Changes to other tokens do not refuse it (I6).
   */
  insertUnlessChangedSince(authid: string, secret: string, sequenceBefore: number, nowMs: number): boolean {
    if (this.clearedAtSequence > sequenceBefore) return false;
    if ((this.changedAtSequence.get(authid) ?? 0) > sequenceBefore) return false;
    this.entries.delete(authid);
    this.entries.set(authid, { digest: this.digestSecret(authid, secret), insertedAtMs: nowMs });
    this.evictOldestBeyondLimit();
    return true;
  }

  /** Drops the entry of `authid`: a re-verification found its secret no longer valid. */
  forget(authid: string): void {
    this.entries.delete(authid);
  }

  /**
   * True when `secret` is the one verified earlier for `authid` under the current
   * `secrets` version, however long ago. Never a reason to accept a request; it
   * tells the caller that a re-verification after the TTL comes from whoever held
   * the right secret, not from someone guessing, so a flood of wrong secrets
   * throttling the token id cannot lock its holder out.
   */
  wasVerifiedEarlier(authid: string, secret: string, currentSecretsVersion: string): boolean {
    if (this.version !== currentSecretsVersion) return false;
    const entry = this.entries.get(authid);
    if (entry === undefined) return false;
    return timingSafeEqual(this.digestSecret(authid, secret), entry.digest);
  }

  /**
   * Records a successful verification. Skipped when the store changed while the
   * hash was being checked: the secret may already be rotated away, and caching it
   * would resurrect it (I2, no zombie inserts). Callers insert successes only.
   */
  insertIfUnchanged(authid: string, secret: string, versionBeforeHashing: string, versionNow: string, nowMs: number): boolean {
    if (versionBeforeHashing !== versionNow) return false;
    // Entries always belong to the adopted version; adopting this one (flushing
    // the rest when it differs) keeps that true whichever version is newer.
    this.adoptVersion(versionNow);
    this.entries.delete(authid);
    this.entries.set(authid, { digest: this.digestSecret(authid, secret), insertedAtMs: nowMs });
    this.evictOldestBeyondLimit();
    return true;
  }

  /**
   * A keyed fingerprint of `secret` for `authid`, safe to use as a map key (the
   * hash gate's collapse key) because it reveals nothing without the process key.
   */
  fingerprint(authid: string, secret: string): string {
    return this.digestSecret(authid, secret).toString("base64url");
  }

  size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  private adoptVersion(version: string): void {
    if (this.version === version) return;
    this.entries.clear();
    this.version = version;
  }

  private isStale(entry: CachedSecret, nowMs: number): boolean {
    const ageMs = nowMs - entry.insertedAtMs;
    // A clock that went backwards would otherwise stretch the TTL indefinitely.
    return ageMs < 0 || ageMs >= this.ttlMs;
  }

  private digestSecret(authid: string, secret: string): Buffer {
    // The authid is bound into the digest so an entry can only ever match its own token.
    return createHmac("sha256", this.hmacKey).update(`${authid}\0${secret}`, "utf8").digest();
  }

  private evictOldestBeyondLimit(): void {
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) return;
      this.entries.delete(oldest.value);
    }
  }
}
