/**
 * The AccessStore contract for versions and mutations: a token-hash change moves
 * the secrets version, any other change the config version, a no-op neither (the
 * caches' flush rule, I1); a failed or async change writes nothing; concurrent
 * changes never lose an update.
 */
import { expect, it } from "vitest";
import type { AccessState } from "../core/model.js";
import type { ContractHarness } from "./store-contract-harness.js";
import { fakeHash, makeAcl, makeToken, makeUser } from "./store-contract-harness.js";

export function describeVersionsContract(harness: ContractHarness): void {
  const { open, versionsOf } = harness;

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
}
