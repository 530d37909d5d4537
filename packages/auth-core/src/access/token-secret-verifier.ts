/**
 * The slow-path check of an API token's secret against the stored hash, and the
 * background re-check of a cached secret before its entry expires. Kept apart from
 * the Authenticator, which decides when to come here: this is where the secret
 * cache is filled, so the I1, I2 and I6 rules for a cache insert all live in
 * verify().
 */
import { nowEpochSeconds } from "../core/clock.js";
import { classifyCryptHash } from "../crypto/legacy-crypt-hash.js";
import type { TokenSecretCache } from "../cache/secret-cache.js";
import type { SecretCacheSync } from "../cache/secret-cache-sync.js";
import type { StoreVersions } from "../store/store.js";
import { isPreviousSecretLive, splitStoredTokenHash } from "./token-rotation.js";
import type { AccessServices } from "./services.js";

/** What one slow-path token verification found, shared by every request it was collapsed with. */
export interface TokenVerification {
  valid: boolean;
  /** Versions read after the hash was checked: the fresh config the result is re-checked against. */
  versionsAfter: StoreVersions;
  /** The stored hash the secret was checked against; undefined when the token had none. */
  checkedHash: string | undefined;
  /** Valid only as the secret a rotation with overlap replaced: its deadline is checked again. */
  viaPreviousSecret: boolean;
}

export class TokenSecretVerifier {
  /** Token ids whose cached secret is being verified again in the background. */
  private readonly refreshingTokens = new Set<string>();

  constructor(
    private readonly services: AccessServices,
    private readonly secretCache: TokenSecretCache,
    private readonly secretSync: SecretCacheSync,
    private readonly tokenCacheEnabled: boolean,
  ) {}

  /**
   * Identical concurrent requests share one argon2 run. The secrets version is part
   * of the key: a request that started after a rotation saw a newer version, so it
   * can never join a verification that may have read the old hash (I1).
   */
  collapseKeyFor(authid: string, secret: string, versions: StoreVersions): string | null {
    // The uncached baseline must pay one hash per request, or the bench would flatter it.
    if (!this.tokenCacheEnabled) return null;
    return `${authid}\0${versions.secrets}\0${this.secretCache.fingerprint(authid, secret)}`;
  }

  /**
   * Verifies a cached secret again in the background before its entry expires, so a
   * token in steady use never has its requests wait for argon2 at the TTL. At most
   * one refresh per token runs at a time. A refresh that finds the secret no longer
   * valid (an edit no version showed, I3) drops the entry at once, sooner than the
   * TTL would; one that the full gate turns away is simply tried on a later hit.
   */
  refreshInBackground(authid: string, secret: string, versions: StoreVersions): void {
    if (this.refreshingTokens.has(authid)) return;
    this.refreshingTokens.add(authid);
    this.services.metrics.tokenCacheRefreshes++;
    this.services
      .runTimedOnGate(this.collapseKeyFor(authid, secret, versions), () => this.verify(authid, secret))
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

  /** The secret checked against the stored hash (run on the gate by the caller), cached on success as I2 allows. */
  async verify(authid: string, secret: string): Promise<TokenVerification> {
    // Noted before the hash is read, with the cache caught up to at least that
    // version: if this token changes from here on, a later catch-up names it and the
    // result, which may describe a secret that no longer exists, is not cached (I2).
    // Changes to other tokens do not stop the insert (I6).
    const versionsBefore = await this.services.readVersions();
    if (this.tokenCacheEnabled) await this.secretSync.catchUp(versionsBefore.secrets);
    const sequenceBefore = this.secretCache.sequence;
    const hash = await this.services.store.readTokenHash(authid);
    const hashes = hash === undefined ? undefined : splitStoredTokenHash(hash);
    let valid = hashes !== undefined && (await this.services.verifyStoredHash(hashes.current, secret));
    // The secret replaced by a rotation with overlap (decision 031): checked only
    // while its deadline has not passed, and never cached, so every use compares
    // the clock with the deadline and none outlives it.
    let viaPreviousSecret = false;
    if (!valid && hashes?.previous !== undefined && (await this.isPreviousSecretLiveNow(authid))) {
      valid = viaPreviousSecret = await this.services.verifyStoredHash(hashes.previous, secret);
    }
    // A secret imported from PBS is re-hashed on its first success; the rotation-like
    // change means this result is not cached, and the next request verifies argon2id.
    if (valid && !viaPreviousSecret && hashes !== undefined && classifyCryptHash(hashes.current) === "sha256-crypt") {
      await this.services.upgradeLegacyHash("token", authid, hashes.current, secret);
    }
    const versionsAfter = await this.services.readVersions();
    if (valid && !viaPreviousSecret && this.tokenCacheEnabled) {
      await this.secretSync.catchUp(versionsAfter.secrets);
      this.secretCache.insertUnlessChangedSince(authid, secret, sequenceBefore, this.services.clock.nowMs());
    }
    return { valid, versionsAfter, checkedHash: hash, viaPreviousSecret };
  }

  private async isPreviousSecretLiveNow(authid: string): Promise<boolean> {
    const { config } = await this.services.readCurrentConfig();
    const token = Object.hasOwn(config.tokens, authid) ? config.tokens[authid] : undefined;
    return isPreviousSecretLive(token, nowEpochSeconds(this.services.clock));
  }
}
