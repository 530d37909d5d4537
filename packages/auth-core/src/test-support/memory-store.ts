import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { emptyAccessState } from "../core/model.js";
import type { AccessConfig, AccessState } from "../core/model.js";
import type { AccessStore, MutationOptions, StoredKeys, StoreVersions } from "../store/store.js";
import { pageAuditRecords, toStorableAuditEvent } from "../core/audit.js";
import type { AuditEvent, AuditPage, AuditQuery, AuditRecord } from "../core/audit.js";
import { mergeLastUses } from "../store/last-used.js";
import type { LastUse } from "../store/last-used.js";

/**
 * What several MemoryAccessStore handles share, the way several processes share one
 * data dir. Tests of cross-process behaviour (I1, I2) open two handles on one backend.
 */
export class MemoryBackend {
  state: AccessState = emptyAccessState();
  secretsGeneration = 0n;
  configGeneration = 0n;
  keys: StoredKeys | null = null;
  audit: AuditRecord[] = [];
  lastUsed = new Map<string, LastUse>();
}

export interface MemoryAccessStoreOptions {
  /** Shared state; a fresh one when omitted. */
  backend?: MemoryBackend;
  /**
   * Answer readVersions with a Promise, as the PostgreSQL backend does while its
   * listener is down, so callers can test that path without a database.
   */
  asyncVersions?: boolean;
}

/** How often each read reached the store: lets cache tests prove a hit did no read. */
export interface MemoryStoreReadCounts {
  readVersions: number;
  readConfig: number;
  readTokenHash: number;
  readPasswordHash: number;
  mutate: number;
}

/**
 * An in-memory AccessStore for fast, deterministic tests of the caches and the
 * facade. It passes the same contract suite as the real backends.
 *
 * `kind` is "file" because it behaves like the file backend: versions are answered
 * synchronously (unless `asyncVersions`) and nothing is pushed.
 */
export class MemoryAccessStore implements AccessStore {
  readonly kind = "file" as const;
  readonly backend: MemoryBackend;
  readonly reads: MemoryStoreReadCounts = {
    readVersions: 0,
    readConfig: 0,
    readTokenHash: 0,
    readPasswordHash: 0,
    mutate: 0,
  };
  private readonly asyncVersions: boolean;
  private closed = false;

  constructor(options: MemoryAccessStoreOptions = {}) {
    this.backend = options.backend ?? new MemoryBackend();
    this.asyncVersions = options.asyncVersions ?? false;
  }

  /** Another handle on the same backend, like a second worker process. */
  openSibling(options: Omit<MemoryAccessStoreOptions, "backend"> = {}): MemoryAccessStore {
    return new MemoryAccessStore({ ...options, backend: this.backend });
  }

  readVersions(): StoreVersions | Promise<StoreVersions> {
    this.assertOpen();
    this.reads.readVersions += 1;
    const versions = this.currentVersions();
    return this.asyncVersions ? Promise.resolve(versions) : versions;
  }

  async readConfig(): Promise<{ config: AccessConfig; digest: string; versions: StoreVersions }> {
    this.assertOpen();
    this.reads.readConfig += 1;
    await Promise.resolve();
    const config = structuredClone(this.backend.state.config);
    return { config, digest: computeConfigDigest(config), versions: this.currentVersions() };
  }

  async readTokenHash(authid: string): Promise<string | undefined> {
    this.assertOpen();
    this.reads.readTokenHash += 1;
    await Promise.resolve();
    return readOwn(this.backend.state.tokenHashes, authid);
  }

  async readPasswordHash(userid: string): Promise<string | undefined> {
    this.assertOpen();
    this.reads.readPasswordHash += 1;
    await Promise.resolve();
    return readOwn(this.backend.state.passwordHashes, userid);
  }

  async mutate<T>(change: (state: AccessState) => T, options?: MutationOptions): Promise<{ result: T; versions: StoreVersions }> {
    this.assertOpen();
    this.reads.mutate += 1;
    const audit = (options?.audit ?? []).map(toStorableAuditEvent);
    // Yield first so that concurrent callers interleave the way they would around a lock.
    await Promise.resolve();
    const draft = structuredClone(this.backend.state);
    const result = change(draft);
    // As in the file store: a draft is written when the change returns, so an async change would lose edits.
    if (typeof (result as { then?: unknown } | null)?.then === "function") {
      throw new TypeError("mutate: the change must be synchronous; do async work (such as hashing) before mutate");
    }
    const changed = compareStates(this.backend.state, draft);
    // The draft is cloned again so a caller that kept a reference to it cannot edit the store later.
    this.backend.state = structuredClone(draft);
    if (changed.secrets) this.backend.secretsGeneration += 1n;
    if (changed.config) this.backend.configGeneration += 1n;
    this.pushAudit(audit);
    return { result, versions: this.currentVersions() };
  }

  async appendAudit(events: readonly AuditEvent[]): Promise<void> {
    this.assertOpen();
    await Promise.resolve();
    this.pushAudit(events);
  }

  async readAudit(query: AuditQuery): Promise<AuditPage> {
    this.assertOpen();
    await Promise.resolve();
    return pageAuditRecords(this.backend.audit, query);
  }

  async recordLastUsed(uses: ReadonlyMap<string, LastUse>): Promise<void> {
    this.assertOpen();
    await Promise.resolve();
    mergeLastUses(this.backend.lastUsed, uses);
  }

  async readLastUsed(): Promise<ReadonlyMap<string, LastUse>> {
    this.assertOpen();
    await Promise.resolve();
    return new Map(this.backend.lastUsed);
  }

  private pushAudit(events: readonly AuditEvent[]): void {
    for (const event of events) this.backend.audit.push({ ...toStorableAuditEvent(event), id: this.backend.audit.length });
  }

  async loadOrCreateKeys(): Promise<StoredKeys> {
    this.assertOpen();
    await Promise.resolve();
    this.backend.keys ??= generateStoredKeys();
    return { ...this.backend.keys };
  }

  /**
   * Simulates a hand edit of the store: applies `change` without going through
   * mutate and moves the versions of the parts it touched, as a changed file stamp
   * would on the file backend (I3).
   */
  editOutOfBand(change: (state: AccessState) => void): void {
    const draft = structuredClone(this.backend.state);
    change(draft);
    const changed = compareStates(this.backend.state, draft);
    this.backend.state = draft;
    if (changed.secrets) this.backend.secretsGeneration += 1n;
    if (changed.config) this.backend.configGeneration += 1n;
  }

  /** Moves one version without changing data, as a `touch` of a store file would. */
  bumpOutOfBand(part: "secrets" | "config"): void {
    if (part === "secrets") this.backend.secretsGeneration += 1n;
    else this.backend.configGeneration += 1n;
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  private currentVersions(): StoreVersions {
    return {
      secrets: `mem:${this.backend.secretsGeneration}`,
      config: `mem:${this.backend.configGeneration}`,
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("MemoryAccessStore: the store is closed");
  }
}

function readOwn(map: Record<string, string>, key: string): string | undefined {
  // Own properties only: an authid such as "constructor" must not reach the prototype.
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/** Passwords are guarded by the config version: a changed password is a config change (I5). */
function compareStates(before: AccessState, after: AccessState): { secrets: boolean; config: boolean } {
  const secrets = JSON.stringify(before.tokenHashes) !== JSON.stringify(after.tokenHashes);
  const config =
    JSON.stringify(before.config) !== JSON.stringify(after.config) ||
    JSON.stringify(before.passwordHashes) !== JSON.stringify(after.passwordHashes);
  return { secrets, config };
}

function computeConfigDigest(config: AccessConfig): string {
  return createHash("sha256")
    .update(JSON.stringify({ users: config.users, tokens: config.tokens }))
    .update("\0")
    .update(JSON.stringify(config.acl))
    .digest("hex");
}

function generateStoredKeys(): StoredKeys {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519", {
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return {
    ticketPrivateKeyPem: privateKey,
    ticketPublicKeyPem: publicKey,
    csrfKeyBase64: randomBytes(32).toString("base64"),
  };
}
