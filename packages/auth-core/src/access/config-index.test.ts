import { describe, expect, it } from "vitest";
import { aclEntriesOf, listIndexStats, readConfigListIndex } from "./config-index.js";
import { layerConfigChanges, snapshotWholeRead } from "../store/config-layers.js";
import { freezeConfig } from "../store/state-draft.js";
import type { AccessConfig, AclEntry, TokenRecord, UserRecord } from "../core/model.js";
import { emptyAccessConfig } from "../core/model.js";

function user(userid: string): UserRecord {
  return { userid, enable: true, expire: 0 };
}

function token(tokenid: string): TokenRecord {
  return { tokenid, enable: true, expire: 0 };
}

function entry(path: string, ugid = "alice@pbs"): AclEntry {
  return { path, ugid, roleid: "Audit", propagate: true };
}

function configOf(users: UserRecord[], tokens: TokenRecord[] = [], acl: AclEntry[] = []): AccessConfig {
  return {
    users: Object.fromEntries(users.map((u) => [u.userid, u])),
    tokens: Object.fromEntries(tokens.map((t) => [t.tokenid, t])),
    acl,
  };
}

describe("readConfigListIndex", () => {
  it("lists exactly one user's tokens, sorted by id, and not those of a user whose name extends it", async () => {
    const config = configOf(
      [user("a@pbs"), user("a!b@pbs"), user("ab@pbs")],
      [token("a@pbs!zz"), token("a!b@pbs!ci"), token("ab@pbs!ci"), token("a@pbs!Ab"), token("a@pbs!aa")],
    );
    const index = await readConfigListIndex(config);
    expect(index.tokensByOwner.get("a@pbs")?.map((t) => t.tokenid)).toEqual(["a@pbs!Ab", "a@pbs!aa", "a@pbs!zz"]);
    expect(index.tokensByOwner.get("a!b@pbs")?.map((t) => t.tokenid)).toEqual(["a!b@pbs!ci"]);
    expect(index.tokensByOwner.get("nobody@pbs")).toBeUndefined();
    expect(index.users.map((u) => u.userid)).toEqual(["a!b@pbs", "a@pbs", "ab@pbs"]);
  });

  it("lists the root and every path with entries once, in code-unit order", async () => {
    expect((await readConfigListIndex(emptyAccessConfig())).aclPaths).toEqual(["/"]);
    const config = configOf([], [], [entry("/system"), entry("/access"), entry("/Zeta"), entry("/access"), entry("/")]);
    expect((await readConfigListIndex(config)).aclPaths).toEqual(["/", "/Zeta", "/access", "/system"]);
  });

  it("builds the index of a frozen snapshot once and a mutable draft's every time", async () => {
    const frozen = Object.freeze(configOf([user("a@pbs")]));
    expect(readConfigListIndex(frozen)).toBe(readConfigListIndex(frozen));
    const draft = configOf([user("a@pbs")]);
    const first = await readConfigListIndex(draft);
    draft.users["b@pbs"] = user("b@pbs");
    expect(first.users).toHaveLength(1);
    expect((await readConfigListIndex(draft)).users).toHaveLength(2);
  });
});

describe("aclEntriesOf", () => {
  it("returns only the entries of one ugid, in ACL order", () => {
    const acl = [entry("/a"), entry("/b", "bob@pbs"), entry("/c")];
    expect(aclEntriesOf(configOf([], [], acl), "alice@pbs").map((e) => e.path)).toEqual(["/a", "/c"]);
    expect(aclEntriesOf(configOf([], [], acl), "carol@pbs")).toEqual([]);
  });

  it("sees a change to a draft's ACL at once (no memo for a mutable array)", () => {
    const config = configOf([], [], [entry("/a")]);
    expect(aclEntriesOf(config, "alice@pbs")).toHaveLength(1);
    config.acl.push(entry("/b"));
    expect(aclEntriesOf(config, "alice@pbs")).toHaveLength(2);
  });
});

describe("readConfigListIndex on layered PostgreSQL snapshots", () => {
  function wholeRead(users: UserRecord[], tokens: TokenRecord[]): AccessConfig {
    const config = freezeConfig(configOf(users, tokens));
    return snapshotWholeRead(config, { users: Object.keys(config.users), tokens: Object.keys(config.tokens) });
  }

  function step(tokens: [string, TokenRecord | null][], users: [string, UserRecord | null][] = [], acl: AclEntry[] | null = null) {
    return { users: new Map(users), tokens: new Map(tokens), acl };
  }

  /** What a full build over the same content gives (a fresh, unfrozen copy is never memoized or carried). */
  async function rebuilt(config: AccessConfig) {
    const index = await readConfigListIndex({ users: { ...config.users }, tokens: { ...config.tokens }, acl: [...config.acl] });
    return {
      users: index.users,
      tokens: index.tokens,
      owners: Object.fromEntries(index.users.map((u) => [u.userid, index.tokensByOwner.get(u.userid)])),
    };
  }

  async function shapeOf(config: AccessConfig) {
    const index = await readConfigListIndex(config);
    return {
      users: index.users,
      tokens: index.tokens,
      owners: Object.fromEntries(index.users.map((u) => [u.userid, index.tokensByOwner.get(u.userid)])),
    };
  }

  it("carries the previous snapshot's index forward by the changed rows instead of sorting everything again", async () => {
    const s0 = wholeRead([user("a@pbs"), user("b@pbs"), user("c@pbs")], [token("a@pbs!x"), token("b@pbs!x"), token("c@pbs!x")]);
    await readConfigListIndex(s0);
    const s1 = layerConfigChanges(
      s0,
      step(
        [
          ["b@pbs!a", token("b@pbs!a")],
          ["c@pbs!x", null],
          ["a@pbs!x", { ...token("a@pbs!x"), comment: "new" }],
        ],
        [["bb@pbs", user("bb@pbs")]],
      ),
    );
    const s2 = layerConfigChanges(s1, step([["bb@pbs!t", token("bb@pbs!t")]]));
    const before = { ...listIndexStats };
    expect(await shapeOf(s1)).toEqual(await rebuilt(s1));
    expect(await shapeOf(s2)).toEqual(await rebuilt(s2));
    // Two carried forward; the two full builds are the references' own.
    expect(listIndexStats.carried - before.carried).toBe(2);
    expect(listIndexStats.built - before.built).toBe(2);
    expect((await readConfigListIndex(s2)).tokensByOwner.get("c@pbs")).toBeUndefined();
    expect((await readConfigListIndex(s2)).tokensByOwner.get("b@pbs")?.map((t) => t.tokenid)).toEqual(["b@pbs!a", "b@pbs!x"]);
  });

  it("builds afresh when the ACL changed or the previous snapshot has no index", async () => {
    const s0 = wholeRead([user("a@pbs")], [token("a@pbs!x")]);
    const s1 = layerConfigChanges(s0, step([["a@pbs!y", token("a@pbs!y")]]));
    const s2 = layerConfigChanges(s1, step([], [], [entry("/zeta")]));
    const before = { ...listIndexStats };
    expect((await readConfigListIndex(s1)).tokens).toHaveLength(2);
    const index = await readConfigListIndex(s2);
    expect(index.aclPaths).toEqual(["/", "/zeta"]);
    expect(listIndexStats.carried - before.carried).toBe(0);
    expect(listIndexStats.built - before.built).toBe(2);
  });
});
