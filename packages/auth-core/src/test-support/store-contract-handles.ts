/**
 * The AccessStore contract for the store's life and its other handles: keys made
 * once, close, and a second handle on the same backend (another process or node)
 * that sees every change and takes part in the same serialization.
 */
import { createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { AccessState } from "../core/model.js";
import type { ContractHarness } from "./store-contract-harness.js";
import { CROSS_HANDLE_WAIT_MS, fakeHash, makeUser } from "./store-contract-harness.js";

export function describeHandlesContract(harness: ContractHarness): void {
  const { open, openAnother, versionsOf } = harness;

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
}
