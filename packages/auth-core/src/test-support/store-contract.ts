import { createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { AccessState, AclEntry, TokenRecord, UserRecord } from "../core/model.js";
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

/** How long a second handle may take to see another handle's change (PostgreSQL NOTIFY). */
const CROSS_HANDLE_WAIT_MS = 5_000;

function makeUser(userid: string, overrides: Partial<UserRecord> = {}): UserRecord {
  return { userid, enable: true, expire: 0, ...overrides };
}

function makeToken(tokenid: string, overrides: Partial<TokenRecord> = {}): TokenRecord {
  return { tokenid, enable: true, expire: 0, ...overrides };
}

function makeAcl(path: string, ugid: string): AclEntry {
  return { path, ugid, roleid: "Audit", propagate: true };
}

/** Not real argon2 output: the store treats hashes as opaque strings. */
function fakeHash(label: string): string {
  return `$argon2id$v=19$m=19456,t=2,p=1$${Buffer.from(label).toString("base64url")}$contract`;
}

/**
 * The behaviour every AccessStore backend must show. Call it at the top level of a
 * test file; `openStore` must give an empty, isolated store on every call.
 */
export function describeAccessStoreContract(name: string, openStore: () => Promise<OpenedStore>): void {
  describe(`AccessStore contract: ${name}`, () => {
    const cleanups: (() => Promise<void>)[] = [];

    afterEach(async () => {
      // Reverse order: handles opened later are closed before the backend is removed.
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function open(): Promise<OpenedStore> {
      const opened = await openStore();
      cleanups.push(opened.cleanup);
      return opened;
    }

    async function openAnother(opened: OpenedStore): Promise<AccessStore> {
      if (!opened.openAnother) throw new Error("the backend gave no openAnother");
      const other = await opened.openAnother();
      cleanups.push(() => other.close());
      return other;
    }

    async function versionsOf(store: AccessStore): Promise<StoreVersions> {
      return await store.readVersions();
    }

    it("an empty store has no users, tokens, ACL entries or hashes", async () => {
      const { store } = await open();
      const { config, digest, versions } = await store.readConfig();
      expect(config).toEqual({ users: {}, tokens: {}, acl: [] });
      expect(digest).toMatch(/^[0-9a-f]{64}$/);
      expect(versions).toEqual(await versionsOf(store));
      expect(await store.readTokenHash("alice@pbs!ci")).toBeUndefined();
      expect(await store.readPasswordHash("alice@pbs")).toBeUndefined();
    });

    it("reads return what a mutation wrote", async () => {
      const { store } = await open();
      await store.mutate((state) => {
        state.config.users["alice@pbs"] = makeUser("alice@pbs", { comment: "first", email: "a@example.com" });
        state.config.users["bob@pbs"] = makeUser("bob@pbs", { ticketsNotBefore: 1_800_000_000 });
        state.config.tokens["alice@pbs!ci"] = makeToken("alice@pbs!ci", { expire: 4_000_000_000 });
        state.config.acl.push(makeAcl("/access", "alice@pbs!ci"));
        state.tokenHashes["alice@pbs!ci"] = fakeHash("token");
        state.passwordHashes["alice@pbs"] = fakeHash("password");
      });
      const { config } = await store.readConfig();
      expect(config.users).toEqual({
        "alice@pbs": makeUser("alice@pbs", { comment: "first", email: "a@example.com" }),
        // The tickets-not-before time of issue 15 (finding 7) survives every backend.
        "bob@pbs": makeUser("bob@pbs", { ticketsNotBefore: 1_800_000_000 }),
      });
      expect(config.tokens).toEqual({ "alice@pbs!ci": makeToken("alice@pbs!ci", { expire: 4_000_000_000 }) });
      expect(config.acl).toEqual([makeAcl("/access", "alice@pbs!ci")]);
      expect(await store.readTokenHash("alice@pbs!ci")).toBe(fakeHash("token"));
      expect(await store.readPasswordHash("alice@pbs")).toBe(fakeHash("password"));
      expect(await store.readTokenHash("alice@pbs!other")).toBeUndefined();
      expect(await store.readPasswordHash("bob@pbs")).toBeUndefined();
    });

    it("a lookup by a name from Object.prototype finds nothing", async () => {
      const { store } = await open();
      await store.mutate((state) => {
        state.tokenHashes["alice@pbs!ci"] = fakeHash("token");
      });
      expect(await store.readTokenHash("constructor")).toBeUndefined();
      expect(await store.readTokenHash("__proto__")).toBeUndefined();
      expect(await store.readPasswordHash("toString")).toBeUndefined();
    });

    it("mutate returns the change's result and the versions right after it", async () => {
      const { store } = await open();
      const { result, versions } = await store.mutate((state) => {
        state.config.users["alice@pbs"] = makeUser("alice@pbs");
        return { created: "alice@pbs" };
      });
      expect(result).toEqual({ created: "alice@pbs" });
      expect(versions).toEqual(await versionsOf(store));
    });

    it("the versions do not move while nothing changes", async () => {
      const { store } = await open();
      const first = await versionsOf(store);
      await store.readConfig();
      await store.readTokenHash("alice@pbs!ci");
      expect(await versionsOf(store)).toEqual(first);
    });

    it("a change to token hashes moves the secrets version only", async () => {
      const { store } = await open();
      const before = await versionsOf(store);
      const { versions } = await store.mutate((state) => {
        state.tokenHashes["alice@pbs!ci"] = fakeHash("one");
      });
      expect(versions.secrets).not.toBe(before.secrets);
      expect(versions.config).toBe(before.config);
    });

    it("rotating and then removing a token hash moves the secrets version each time", async () => {
      const { store } = await open();
      await store.mutate((state) => {
        state.tokenHashes["alice@pbs!ci"] = fakeHash("one");
      });
      const seen = new Set([(await versionsOf(store)).secrets]);
      await store.mutate((state) => {
        state.tokenHashes["alice@pbs!ci"] = fakeHash("two");
      });
      seen.add((await versionsOf(store)).secrets);
      expect(await store.readTokenHash("alice@pbs!ci")).toBe(fakeHash("two"));
      await store.mutate((state) => {
        delete state.tokenHashes["alice@pbs!ci"];
      });
      seen.add((await versionsOf(store)).secrets);
      expect(seen.size).toBe(3);
      expect(await store.readTokenHash("alice@pbs!ci")).toBeUndefined();
    });

    it("a change to users, tokens or the ACL moves the config version only", async () => {
      const { store } = await open();
      const changes: ((s: AccessState) => void)[] = [
        (s) => {
          s.config.users["alice@pbs"] = makeUser("alice@pbs");
        },
        (s) => {
          s.config.tokens["alice@pbs!ci"] = makeToken("alice@pbs!ci");
        },
        (s) => {
          s.config.acl.push(makeAcl("/", "alice@pbs"));
        },
        (s) => {
          const user = s.config.users["alice@pbs"];
          if (user) user.enable = false;
        },
      ];
      for (const change of changes) {
        const before = await versionsOf(store);
        const { versions } = await store.mutate(change);
        expect(versions.config).not.toBe(before.config);
        expect(versions.secrets).toBe(before.secrets);
      }
    });

    it("a change to a password hash moves the config version, not the secrets version", async () => {
      const { store } = await open();
      const before = await versionsOf(store);
      const { versions } = await store.mutate((state) => {
        state.passwordHashes["alice@pbs"] = fakeHash("pw");
      });
      expect(versions.config).not.toBe(before.config);
      expect(versions.secrets).toBe(before.secrets);
    });

    it("a change that modifies nothing moves no version", async () => {
      const { store } = await open();
      await store.mutate((state) => {
        state.config.users["alice@pbs"] = makeUser("alice@pbs");
        state.tokenHashes["alice@pbs!ci"] = fakeHash("one");
      });
      const before = await versionsOf(store);
      const { result, versions } = await store.mutate((state) => Object.keys(state.config.users).length);
      expect(result).toBe(1);
      expect(versions).toEqual(before);
    });

    it("a throwing change writes nothing and its error reaches the caller", async () => {
      const { store } = await open();
      await store.mutate((state) => {
        state.config.users["alice@pbs"] = makeUser("alice@pbs");
      });
      const before = await store.readConfig();
      const failure = new Error("change refused");
      await expect(
        store.mutate((state) => {
          state.config.users["bob@pbs"] = makeUser("bob@pbs");
          state.tokenHashes["bob@pbs!ci"] = fakeHash("bob");
          state.passwordHashes["bob@pbs"] = fakeHash("pw");
          throw failure;
        }),
      ).rejects.toBe(failure);
      const after = await store.readConfig();
      expect(after).toEqual(before);
      expect(await store.readTokenHash("bob@pbs!ci")).toBeUndefined();
      expect(await store.readPasswordHash("bob@pbs")).toBeUndefined();
      // The store still works after a failed change.
      await store.mutate((state) => {
        state.config.users["carol@pbs"] = makeUser("carol@pbs");
      });
      expect(Object.keys((await store.readConfig()).config.users).sort()).toEqual(["alice@pbs", "carol@pbs"]);
    });

    it("an async change is refused and writes nothing", async () => {
      const { store } = await open();
      await expect(
        store.mutate(async (state) => {
          state.tokenHashes["alice@pbs!ci"] = fakeHash("one");
          await Promise.resolve();
        }),
      ).rejects.toThrow(/synchronous/);
      expect(await store.readTokenHash("alice@pbs!ci")).toBeUndefined();
    });

    it("fifty concurrent mutations from one process all apply", async () => {
      const { store } = await open();
      const count = 50;
      const results = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          store.mutate((state) => {
            state.config.users[`user${i}@pbs`] = makeUser(`user${i}@pbs`);
            state.tokenHashes[`user${i}@pbs!t`] = fakeHash(`t${i}`);
            // A read-modify-write of one shared value: a lost update would show here.
            const counter = state.config.users["counter@pbs"] ?? makeUser("counter@pbs", { expire: 0 });
            counter.expire += 1;
            state.config.users["counter@pbs"] = counter;
            return i;
          }),
        ),
      );
      expect(results.map((r) => r.result)).toEqual(Array.from({ length: count }, (_, i) => i));
      const { config } = await store.readConfig();
      expect(Object.keys(config.users)).toHaveLength(count + 1);
      expect(config.users["counter@pbs"]?.expire).toBe(count);
      for (let i = 0; i < count; i += 1) {
        expect(await store.readTokenHash(`user${i}@pbs!t`)).toBe(fakeHash(`t${i}`));
      }
    });

    it("the digest follows the config and nothing else", async () => {
      const { store } = await open();
      const empty = (await store.readConfig()).digest;
      expect((await store.readConfig()).digest).toBe(empty);

      await store.mutate((state) => {
        state.config.users["alice@pbs"] = makeUser("alice@pbs");
      });
      const withAlice = (await store.readConfig()).digest;
      expect(withAlice).not.toBe(empty);

      await store.mutate((state) => {
        state.tokenHashes["alice@pbs!ci"] = fakeHash("one");
        state.passwordHashes["alice@pbs"] = fakeHash("pw");
      });
      expect((await store.readConfig()).digest).toBe(withAlice);

      await store.mutate((state) => {
        state.config.acl.push(makeAcl("/", "alice@pbs"));
      });
      const withAcl = (await store.readConfig()).digest;
      expect(withAcl).not.toBe(withAlice);

      await store.mutate((state) => {
        const user = state.config.users["alice@pbs"];
        if (user) user.comment = "changed";
      });
      expect((await store.readConfig()).digest).not.toBe(withAcl);
    });

    it("editing a config returned by readConfig does not change the store", async () => {
      const { store } = await open();
      await store.mutate((state) => {
        state.config.users["alice@pbs"] = makeUser("alice@pbs");
      });
      const first = await store.readConfig();
      // A backend may hand out a frozen shared snapshot (decision 014): then the edits throw instead.
      const tryEdit = (edit: () => void) => {
        try {
          edit();
        } catch (error) {
          expect(error).toBeInstanceOf(TypeError);
          expect(Object.isFrozen(first.config)).toBe(true);
        }
      };
      tryEdit(() => {
        const alice = first.config.users["alice@pbs"];
        if (alice) alice.enable = false;
      });
      tryEdit(() => first.config.acl.push(makeAcl("/", "alice@pbs")));
      const second = await store.readConfig();
      expect(second.config.users["alice@pbs"]?.enable).toBe(true);
      expect(second.config.acl).toEqual([]);
      expect(second.digest).toBe(first.digest);
    });

    it("editing the state after its change returned does not change the store", async () => {
      const { store } = await open();
      const { result: kept } = await store.mutate((state) => {
        state.config.users["alice@pbs"] = makeUser("alice@pbs");
        return state;
      });
      kept.config.users["mallory@pbs"] = makeUser("mallory@pbs");
      kept.tokenHashes["mallory@pbs!x"] = fakeHash("x");
      expect(Object.keys((await store.readConfig()).config.users)).toEqual(["alice@pbs"]);
      expect(await store.readTokenHash("mallory@pbs!x")).toBeUndefined();
    });

    it("loadOrCreateKeys returns the same working keys every time", async () => {
      const { store } = await open();
      const [first, concurrent] = await Promise.all([store.loadOrCreateKeys(), store.loadOrCreateKeys()]);
      const again = await store.loadOrCreateKeys();
      expect(concurrent).toEqual(first);
      expect(again).toEqual(first);

      const privateKey = createPrivateKey(first.ticketPrivateKeyPem);
      const publicKey = createPublicKey(first.ticketPublicKeyPem);
      expect(privateKey.asymmetricKeyType).toBe("ed25519");
      const message = Buffer.from("PBS:alice@pbs:6776A800");
      expect(verify(null, message, publicKey, sign(null, message, privateKey))).toBe(true);
      expect(Buffer.from(first.csrfKeyBase64, "base64")).toHaveLength(32);
    });

    it("closing resolves, a second close is harmless, and a closed store refuses mutations", async () => {
      const { store } = await open();
      await store.mutate((state) => {
        state.config.users["alice@pbs"] = makeUser("alice@pbs");
      });
      await store.close();
      await store.close();
      await expect(
        store.mutate((state) => {
          state.config.users["bob@pbs"] = makeUser("bob@pbs");
        }),
      ).rejects.toThrow();
    });

    describe("with a second handle on the same backend", () => {
      it("a mutation through one handle is read and versioned through the other", async (ctx) => {
        const opened = await open();
        if (!opened.openAnother) return ctx.skip();
        const other = await openAnother(opened);
        const before = await versionsOf(other);
        await opened.store.mutate((state) => {
          state.config.users["alice@pbs"] = makeUser("alice@pbs");
          state.tokenHashes["alice@pbs!ci"] = fakeHash("one");
        });
        await expect.poll(async () => (await versionsOf(other)).secrets, { timeout: CROSS_HANDLE_WAIT_MS }).not.toBe(before.secrets);
        await expect.poll(async () => (await versionsOf(other)).config, { timeout: CROSS_HANDLE_WAIT_MS }).not.toBe(before.config);
        expect(Object.keys((await other.readConfig()).config.users)).toEqual(["alice@pbs"]);
        expect(await other.readTokenHash("alice@pbs!ci")).toBe(fakeHash("one"));
        expect((await other.readConfig()).digest).toBe((await opened.store.readConfig()).digest);
      });

      it("concurrent mutations through two handles all apply", async (ctx) => {
        const opened = await open();
        if (!opened.openAnother) return ctx.skip();
        const other = await openAnother(opened);
        const perHandle = 20;
        const bumpCounter = (i: number, who: string) => (state: AccessState) => {
          state.config.users[`${who}${i}@pbs`] = makeUser(`${who}${i}@pbs`);
          const counter = state.config.users["counter@pbs"] ?? makeUser("counter@pbs");
          counter.expire += 1;
          state.config.users["counter@pbs"] = counter;
        };
        await Promise.all([
          ...Array.from({ length: perHandle }, (_, i) => opened.store.mutate(bumpCounter(i, "a"))),
          ...Array.from({ length: perHandle }, (_, i) => other.mutate(bumpCounter(i, "b"))),
        ]);
        const { config } = await opened.store.readConfig();
        expect(config.users["counter@pbs"]?.expire).toBe(2 * perHandle);
        expect(Object.keys(config.users)).toHaveLength(2 * perHandle + 1);
      });

      it("both handles load the same keys, created once", async (ctx) => {
        const opened = await open();
        if (!opened.openAnother) return ctx.skip();
        const other = await openAnother(opened);
        const [a, b] = await Promise.all([opened.store.loadOrCreateKeys(), other.loadOrCreateKeys()]);
        expect(b).toEqual(a);
      });

      it("closing one handle leaves the other working", async (ctx) => {
        const opened = await open();
        if (!opened.openAnother) return ctx.skip();
        const other = await openAnother(opened);
        await other.close();
        await opened.store.mutate((state) => {
          state.config.users["alice@pbs"] = makeUser("alice@pbs");
        });
        expect(Object.keys((await opened.store.readConfig()).config.users)).toEqual(["alice@pbs"]);
      });
    });
  });
}
