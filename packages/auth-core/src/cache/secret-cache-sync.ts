/**
 * Keeps a TokenSecretCache at the store's current secrets version by applying what
 * changed in between, instead of dropping every entry (invariant I6 in
 * docs/design.md; decision 012). The secrets version stays the per-request signal
 * that something changed, so I1 is exactly as strong as before: a request that read
 * a new version waits for the cache to catch up to content at least that new
 * before any entry may answer it.
 */
import type { TokenSecretCache } from "./secret-cache.js";

/** What a store answers to "which token secrets changed since this version" (AccessStore.readSecretChanges). */
export interface SecretChanges {
  /** The secrets version the answer describes; a later readVersions may be newer, never older. */
  version: string;
  /** Token ids whose hash was created, replaced or removed since the asked version; null when unknown. */
  changed: ReadonlySet<string> | null;
}

/** Where the sync reads changes from; an AccessStore fits it. Without the method every change drops the whole cache. */
export interface SecretChangeSource {
  readSecretChanges?: (since: string) => Promise<SecretChanges>;
}

export class SecretCacheSync {
  /** The catch-up in flight for one requested version, shared by the requests that read that version. */
  private pending: { requestedVersion: string; promise: Promise<void> } | null = null;
  /** Catch-ups run one after another, so each one's `since` is the version the previous one reached. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly cache: TokenSecretCache,
    private readonly store: SecretChangeSource,
  ) {}

  /**
   * Undefined (no promise, no microtask) when the cache is at `secretsVersion`;
   * otherwise a promise that settles once it holds content at least that new.
   */
  catchUp(secretsVersion: string): Promise<void> | undefined {
    if (this.cache.currentVersion === secretsVersion) return undefined;
    const pending = this.pending;
    // Joined only when started for the same version: it began after that version was read, so it sees at least as much.
    if (pending !== null && pending.requestedVersion === secretsVersion) return pending.promise;
    const promise = this.tail.then(() => this.applyChangesUpTo(secretsVersion));
    this.pending = { requestedVersion: secretsVersion, promise };
    this.tail = promise.catch(() => undefined);
    void promise
      .finally(() => {
        if (this.pending?.promise === promise) this.pending = null;
      })
      .catch(() => undefined);
    return promise;
  }

  private async applyChangesUpTo(requestedVersion: string): Promise<void> {
    // An earlier catch-up may have reached exactly this version already.
    if (this.cache.currentVersion === requestedVersion) return;
    const readChanges = this.store.readSecretChanges;
    if (readChanges === undefined) {
      // A store that cannot name its changes: drop everything, as PBS does.
      this.cache.applyChanges(requestedVersion, null);
      return;
    }
    const since = this.cache.currentVersion;
    const answer = await readChanges.call(this.store, since ?? "");
    this.cache.applyChanges(answer.version, since === null ? null : answer.changed);
  }
}
