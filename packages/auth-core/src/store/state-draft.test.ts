import { describe, expect, it } from "vitest";
import type { AccessConfig, AccessState } from "../core/model.js";
import type { LoadedHashes } from "./state-draft.js";
import { applyConfigChanges, createStateDraft, freezeConfig, RowsNotLoaded } from "./state-draft.js";

function baseConfig(): AccessConfig {
  return freezeConfig({
    users: {
      "alice@pbs": { userid: "alice@pbs", enable: true, expire: 0 },
      "bob@pbs": { userid: "bob@pbs", enable: true, expire: 0, comment: "b" },
    },
    tokens: { "alice@pbs!ci": { tokenid: "alice@pbs!ci", enable: true, expire: 0 } },
    acl: [{ path: "/", ugid: "alice@pbs", roleid: "Admin", propagate: true }],
  });
}

function complete(entries: [string, string][]): LoadedHashes {
  return { rows: new Map(entries), complete: true };
}

function partial(entries: [string, string | null][] = []): LoadedHashes {
  return { rows: new Map(entries), complete: false };
}

describe("createStateDraft", () => {
  it("names exactly the keys a change touched, and leaves the frozen base alone", () => {
    const base = baseConfig();
    const draft = createStateDraft(base, { tokenHashes: complete([["alice@pbs!ci", "h1"]]), passwordHashes: complete([]) });
    const { state } = draft;
    const alice = state.config.users["alice@pbs"];
    if (!alice) throw new Error("alice missing");
    alice.enable = false;
    state.config.tokens["bob@pbs!new"] = { tokenid: "bob@pbs!new", enable: true, expire: 0 };
    state.tokenHashes["bob@pbs!new"] = "h2";
    delete state.config.users["bob@pbs"];
    // Read and left as it was: not a change.
    expect(state.config.tokens["alice@pbs!ci"]?.enable).toBe(true);

    const changes = draft.readChanges();
    expect([...changes.users]).toEqual([
      ["alice@pbs", { userid: "alice@pbs", enable: false, expire: 0 }],
      ["bob@pbs", null],
    ]);
    expect([...changes.tokens]).toEqual([["bob@pbs!new", { tokenid: "bob@pbs!new", enable: true, expire: 0 }]]);
    expect([...changes.tokenHashes]).toEqual([["bob@pbs!new", "h2"]]);
    expect(changes.passwordHashes.size).toBe(0);
    expect(changes.acl).toBeNull();
    expect(base.users["alice@pbs"]?.enable).toBe(true);
    expect(Object.keys(base.users)).toEqual(["alice@pbs", "bob@pbs"]);
  });

  it("enumerates, tests and describes keys as a plain record would", () => {
    const draft = createStateDraft(baseConfig(), { tokenHashes: complete([]), passwordHashes: complete([]) });
    const users = draft.state.config.users;
    delete users["bob@pbs"];
    users["carol@pbs"] = { userid: "carol@pbs", enable: true, expire: 0 };
    expect(Object.keys(users).sort()).toEqual(["alice@pbs", "carol@pbs"]);
    expect("bob@pbs" in users).toBe(false);
    expect(Object.hasOwn(users, "carol@pbs")).toBe(true);
    expect(Object.hasOwn(users, "toString")).toBe(false);
    expect(users["constructor"]).toBeUndefined();
    expect(
      Object.values(users)
        .map((user) => user.userid)
        .sort(),
    ).toEqual(["alice@pbs", "carol@pbs"]);
  });

  it("a record rebuilt equal to the stored one, and a key set and deleted again, are no change", () => {
    const draft = createStateDraft(baseConfig(), { tokenHashes: complete([]), passwordHashes: complete([]) });
    const { state } = draft;
    state.config.users["bob@pbs"] = { userid: "bob@pbs", enable: true, expire: 0, comment: "b" };
    state.config.users["temp@pbs"] = { userid: "temp@pbs", enable: true, expire: 0 };
    delete state.config.users["temp@pbs"];
    state.config.acl = state.config.acl.map((entry) => ({ ...entry }));
    const changes = draft.readChanges();
    expect(changes.users.size).toBe(0);
    expect(changes.acl).toBeNull();
  });

  it("an ACL edit returns the whole new list", () => {
    const draft = createStateDraft(baseConfig(), { tokenHashes: complete([]), passwordHashes: complete([]) });
    draft.state.config.acl.push({ path: "/datastore/a", ugid: "bob@pbs", roleid: "DatastoreAdmin", propagate: true });
    expect(draft.readChanges().acl).toHaveLength(2);
  });

  it("reading a hash row that is not loaded throws RowsNotLoaded naming it; enumerating asks for all", () => {
    const hashes = { tokenHashes: partial([["alice@pbs!ci", "h1"]]), passwordHashes: partial([["bob@pbs", null]]) };
    const draft = createStateDraft(baseConfig(), hashes);
    expect(draft.state.tokenHashes["alice@pbs!ci"]).toBe("h1");
    expect(draft.state.passwordHashes["bob@pbs"]).toBeUndefined();
    expect(() => draft.state.passwordHashes["alice@pbs"]).toThrow(RowsNotLoaded);
    try {
      void Object.hasOwn(draft.state.tokenHashes, "other@pbs!x");
      expect.unreachable("an unloaded row must not read as absent");
    } catch (error) {
      expect(error).toBeInstanceOf(RowsNotLoaded);
      expect(error).toMatchObject({ part: "tokenHashes", keys: ["other@pbs!x"] });
    }
    expect(() => Object.keys(draft.state.tokenHashes)).toThrow(expect.objectContaining({ keys: "all" }));
  });

  it("deleting an unloaded hash row is resolved when the changes are read", () => {
    const draft = createStateDraft(baseConfig(), { tokenHashes: partial(), passwordHashes: partial() });
    delete draft.state.tokenHashes["alice@pbs!ci"];
    expect(() => draft.readChanges()).toThrow(RowsNotLoaded);
    const loaded = createStateDraft(baseConfig(), { tokenHashes: partial([["alice@pbs!ci", "h1"]]), passwordHashes: partial() });
    delete loaded.state.tokenHashes["alice@pbs!ci"];
    expect([...loaded.readChanges().tokenHashes]).toEqual([["alice@pbs!ci", null]]);
  });

  it("a map replaced wholesale is compared key by key", () => {
    const draft = createStateDraft(baseConfig(), { tokenHashes: complete([]), passwordHashes: complete([]) });
    const state: AccessState = draft.state;
    state.config.users = { "alice@pbs": { userid: "alice@pbs", enable: true, expire: 0 } };
    expect([...draft.readChanges().users]).toEqual([["bob@pbs", null]]);
  });
});

describe("applyConfigChanges", () => {
  it("shares unchanged records, freezes the result and keeps a __proto__ key an entry", () => {
    const base = baseConfig();
    const next = applyConfigChanges(base, {
      users: new Map([
        ["bob@pbs", null],
        ["__proto__", { userid: "__proto__", enable: true, expire: 0 }],
      ]),
      tokens: new Map(),
      acl: null,
    });
    expect(Object.keys(next.users).sort()).toEqual(["__proto__", "alice@pbs"]);
    expect(Object.getPrototypeOf(next.users)).toBe(Object.prototype);
    expect(next.users["alice@pbs"]).toBe(base.users["alice@pbs"]);
    expect(next.tokens).toBe(base.tokens);
    expect(next.acl).toBe(base.acl);
    expect(Object.isFrozen(next.users)).toBe(true);
    expect(Object.isFrozen(next.users["__proto__"])).toBe(true);
    expect(Object.keys(base.users)).toEqual(["alice@pbs", "bob@pbs"]);
  });
});
