import type { AccessConfig } from "../core/model.js";

/** One parsed configuration and the `config` version it was read at. */
export interface ConfigSnapshot {
  /** Deep-frozen: the same object is shared by every request until the version changes. */
  readonly config: AccessConfig;
  /** SHA-256 of the stored config, for the optimistic `digest` checks of updates. */
  readonly digest: string;
  readonly version: string;
}

/**
 * Where the cache reads from: the store's `readConfig`, named here so the cache
 * layer does not depend on the store layer (decision 034); an AccessStore fits it.
 */
export interface ConfigSource {
  readConfig(): Promise<{ config: AccessConfig; digest: string; versions: { config: string } }>;
}

/**
 * The parsed access configuration, keyed by the store's `config` version (I5).
 * The hot path asks with the version it just read: an equal version is answered
 * synchronously from memory, any other version reloads from the store, so a
 * disable or expiry change is seen by the next request that reads the new version.
 */
export class ConfigCache {
  private current: ConfigSnapshot | null = null;
  /** A reload in flight, shared by callers that asked for the same version. */
  private pending: { requestedVersion: string; promise: Promise<ConfigSnapshot> } | null = null;

  constructor(private readonly store: ConfigSource) {}

  /** The cached snapshot when it is for exactly `configVersion`, else null. Never touches the store. */
  lookup(configVersion: string): ConfigSnapshot | null {
    const current = this.current;
    return current !== null && current.version === configVersion ? current : null;
  }

  /** A snapshot at least as new as `configVersion`: synchronous on a hit, a store read otherwise. */
  get(configVersion: string): ConfigSnapshot | Promise<ConfigSnapshot> {
    return this.lookup(configVersion) ?? this.reload(configVersion);
  }

  /**
   * Reads the store. Callers that saw the same version share one read: it started
   * after the first of them saw that version, and versions only move forward, so
   * its result is at least as new as what each of them saw.
   */
  reload(configVersion: string): Promise<ConfigSnapshot> {
    const pending = this.pending;
    if (pending !== null && pending.requestedVersion === configVersion) return pending.promise;
    const promise = this.readSnapshot().finally(() => {
      if (this.pending?.promise === promise) this.pending = null;
    });
    this.pending = { requestedVersion: configVersion, promise };
    return promise;
  }

  clear(): void {
    this.current = null;
    this.pending = null;
  }

  private async readSnapshot(): Promise<ConfigSnapshot> {
    const read = await this.store.readConfig();
    // Keyed by the version the store reports for this read, which may be newer
    // than the one asked for; a later request with that version then hits. The
    // config is either the caller's own copy or a frozen shared replica
    // (AccessStore.readConfig), so it is frozen in place: a second deep copy cost
    // as much as the parse at 100,000 tokens, and a frozen one is left as it is.
    // The digest is read only when asked for: a store may compute it lazily.
    const snapshot: ConfigSnapshot = {
      config: freezeDeep(read.config),
      get digest() {
        return read.digest;
      },
      version: read.versions.config,
    };
    this.current = snapshot;
    return snapshot;
  }
}

function freezeDeep<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) freezeDeep(child);
  }
  return value;
}
