/**
 * The AccessStore contract for users, tokens and the ACL: what a mutation writes is
 * what a read returns, the digest follows the config alone, and nothing a caller
 * holds after a read or a change can edit the store.
 */
import { expect, it } from "vitest";
import type { ContractHarness } from "./store-contract-harness.js";
import { fakeHash, makeAcl, makeToken, makeUser } from "./store-contract-harness.js";

export function describeConfigContract(harness: ContractHarness): void {
  const { open, versionsOf } = harness;

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
}
