import { describe, expect, it } from "vitest";
import { aclEntriesOf, readConfigListIndex } from "./config-index.js";
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
