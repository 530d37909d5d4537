/**
 * What the parts of the AccessStore contract share: the backend's opener, the
 * per-test harness that closes what a test opened, and record builders. The tests
 * are split by what they check (store-contract-config.ts, store-contract-versions.ts,
 * store-contract-handles.ts); store-contract.ts puts them together.
 */
import type { AclEntry, TokenRecord, UserRecord } from "../core/model.js";
import type { AccessStore, StoreVersions } from "../store/store.js";

export interface OpenedStore {
  store: AccessStore;
  /**
   * Removes whatever the backend created. Runs after every test, also when the test
   * already closed the store, so it must tolerate a closed store.
   */
  cleanup: () => Promise<void>;
  /**
   * Opens a second handle on the same backend (another process's view of the data
   * dir, another node's pool on the same database). When given, the cross-handle
   * tests run; the test closes the handles it opens.
   */
  openAnother?: () => Promise<AccessStore>;
}

/** Opens stores for one contract test; whatever it opened is cleaned up after the test. */
export interface ContractHarness {
  /** An empty, isolated store. */
  open: () => Promise<OpenedStore>;
  /** A second handle on the backend of `opened`; throws when the backend gives none. */
  openAnother: (opened: OpenedStore) => Promise<AccessStore>;
  versionsOf: (store: AccessStore) => Promise<StoreVersions>;
}

/** How long a second handle may take to see another handle's change (PostgreSQL NOTIFY). */
export const CROSS_HANDLE_WAIT_MS = 5_000;

export function makeUser(userid: string, overrides: Partial<UserRecord> = {}): UserRecord {
  return { userid, enable: true, expire: 0, ...overrides };
}

export function makeToken(tokenid: string, overrides: Partial<TokenRecord> = {}): TokenRecord {
  return { tokenid, enable: true, expire: 0, ...overrides };
}

export function makeAcl(path: string, ugid: string): AclEntry {
  return { path, ugid, roleid: "Audit", propagate: true };
}

/** Not real argon2 output: the store treats hashes as opaque strings. */
export function fakeHash(label: string): string {
  return `$argon2id$v=19$m=19456,t=2,p=1$${Buffer.from(label).toString("base64url")}$contract`;
}
