import { describe, expect, it } from "vitest";
import type { Privilege } from "./acl.js";
import type { AuthContext } from "./types.js";
import {
  canSeePermissionsOf,
  compareStrings,
  deleteTokenFromState,
  isAclPathSelected,
  isSameConfig,
  isTokenActive,
  isUserActive,
  ownerOfTokenId,
  ownerOfUgid,
  privilegesToRecord,
  requireAuthidExists,
  requireToken,
  requireUser,
  toTokenView,
} from "./config-queries.js";
import { NotFoundError } from "../core/errors.js";
import type { AccessConfig, AclEntry, TokenRecord, UserRecord } from "../core/model.js";
import { emptyAccessState } from "../core/model.js";

const NOW_S = 1_700_000_000;

function user(userid: string, fields: Partial<UserRecord> = {}): UserRecord {
  return { userid, enable: true, expire: 0, ...fields };
}

function token(tokenid: string, fields: Partial<TokenRecord> = {}): TokenRecord {
  return { tokenid, enable: true, expire: 0, ...fields };
}

function configOf(users: UserRecord[], tokens: TokenRecord[] = [], acl: AclEntry[] = []): AccessConfig {
  return {
    users: Object.fromEntries(users.map((u) => [u.userid, u])),
    tokens: Object.fromEntries(tokens.map((t) => [t.tokenid, t])),
    acl,
  };
}

function userCaller(userid: string): AuthContext {
  return { authid: userid, userid, tokenName: null, via: "ticket" };
}

function tokenCaller(userid: string, tokenName: string): AuthContext {
  return { authid: `${userid}!${tokenName}`, userid, tokenName, via: "token" };
}

describe("isUserActive", () => {
  it("accepts an enabled user that never expires", () => {
    expect(isUserActive(configOf([user("alice@pbs")]), "alice@pbs", NOW_S)).toBe(true);
  });

  it("counts a user as expired from the second its expiry names", () => {
    const expiringAt = (expire: number) => configOf([user("alice@pbs", { expire })]);
    expect(isUserActive(expiringAt(NOW_S + 1), "alice@pbs", NOW_S)).toBe(true);
    expect(isUserActive(expiringAt(NOW_S), "alice@pbs", NOW_S)).toBe(false);
    expect(isUserActive(expiringAt(NOW_S - 1), "alice@pbs", NOW_S)).toBe(false);
  });

  it("refuses a disabled user even when it has not expired", () => {
    expect(isUserActive(configOf([user("alice@pbs", { enable: false })]), "alice@pbs", NOW_S)).toBe(false);
  });

  it("refuses an unknown user, including names inherited from Object.prototype", () => {
    const config = configOf([user("alice@pbs")]);
    expect(isUserActive(config, "bob@pbs", NOW_S)).toBe(false);
    expect(isUserActive(config, "__proto__", NOW_S)).toBe(false);
    expect(isUserActive(config, "constructor", NOW_S)).toBe(false);
  });
});

describe("isTokenActive", () => {
  const caller = tokenCaller("alice@pbs", "ci");

  it("accepts an enabled token of an active owner", () => {
    expect(isTokenActive(configOf([user("alice@pbs")], [token("alice@pbs!ci")]), caller, NOW_S)).toBe(true);
  });

  it("refuses a live token whose owner is disabled, expired or gone", () => {
    const withOwner = (owner: UserRecord[]) => configOf(owner, [token("alice@pbs!ci")]);
    expect(isTokenActive(withOwner([user("alice@pbs", { enable: false })]), caller, NOW_S)).toBe(false);
    expect(isTokenActive(withOwner([user("alice@pbs", { expire: NOW_S })]), caller, NOW_S)).toBe(false);
    expect(isTokenActive(withOwner([]), caller, NOW_S)).toBe(false);
  });

  it("counts a token as expired from the second its expiry names, independently of its owner", () => {
    const expiringAt = (expire: number) => configOf([user("alice@pbs")], [token("alice@pbs!ci", { expire })]);
    expect(isTokenActive(expiringAt(NOW_S + 1), caller, NOW_S)).toBe(true);
    expect(isTokenActive(expiringAt(NOW_S), caller, NOW_S)).toBe(false);
  });

  it("refuses a disabled token of an active owner", () => {
    const config = configOf([user("alice@pbs")], [token("alice@pbs!ci", { enable: false })]);
    expect(isTokenActive(config, caller, NOW_S)).toBe(false);
  });

  it("refuses a token that does not exist, including one named like an Object.prototype key", () => {
    const config = configOf([user("alice@pbs")], [token("alice@pbs!ci")]);
    expect(isTokenActive(config, tokenCaller("alice@pbs", "other"), NOW_S)).toBe(false);
    expect(isTokenActive(config, { ...caller, authid: "__proto__" }, NOW_S)).toBe(false);
  });
});

describe("ownership of ids", () => {
  it("takes the last '!' as the token separator, since a user name may hold one", () => {
    expect(ownerOfTokenId("alice@pbs!ci")).toBe("alice@pbs");
    expect(ownerOfTokenId("a!b@pbs!ci")).toBe("a!b@pbs");
  });

  it("maps a token subject to its owner and a user subject to itself", () => {
    expect(ownerOfUgid("alice@pbs!ci")).toBe("alice@pbs");
    expect(ownerOfUgid("alice@pbs")).toBe("alice@pbs");
    expect(ownerOfUgid("a!b@pbs")).toBe("a!b@pbs");
  });
});

describe("token views", () => {
  it("adds the token name after the last '!'", () => {
    expect(toTokenView(token("a!b@pbs!ci", { comment: "x" }))).toEqual({
      tokenid: "a!b@pbs!ci",
      enable: true,
      expire: 0,
      comment: "x",
      "token-name": "ci",
    });
  });
});

describe("required records", () => {
  const config = configOf([user("alice@pbs")], [token("alice@pbs!ci")]);

  it("returns the stored record itself, so a mutation can edit it in place", () => {
    expect(requireUser(config, "alice@pbs")).toBe(config.users["alice@pbs"]);
    expect(requireToken(config, "alice@pbs!ci")).toBe(config.tokens["alice@pbs!ci"]);
  });

  it("throws NotFoundError naming the missing user or token", () => {
    expect(() => requireUser(config, "bob@pbs")).toThrow(new NotFoundError("no such user 'bob@pbs'"));
    expect(() => requireToken(config, "alice@pbs!cd")).toThrow(new NotFoundError("no such token 'alice@pbs!cd'"));
    expect(() => requireUser(config, "__proto__")).toThrow(NotFoundError);
    expect(() => requireToken(config, "toString")).toThrow(NotFoundError);
  });

  it("looks a subject up as a token or a user by its form", () => {
    expect(() => requireAuthidExists(config, "alice@pbs")).not.toThrow();
    expect(() => requireAuthidExists(config, "alice@pbs!ci")).not.toThrow();
    expect(() => requireAuthidExists(config, "alice@pbs!cd")).toThrow("no such token 'alice@pbs!cd'");
    // A token id whose owner exists is still a token, never a fallback to the user.
    expect(() => requireAuthidExists(configOf([user("alice@pbs")]), "alice@pbs!ci")).toThrow(NotFoundError);
  });
});

describe("deleteTokenFromState", () => {
  it("removes the token, its secret hash and only its own ACL entries", () => {
    const state = emptyAccessState();
    state.config = configOf(
      [user("alice@pbs")],
      [token("alice@pbs!ci"), token("alice@pbs!cd")],
      [
        { path: "/", ugid: "alice@pbs!ci", roleid: "Audit", propagate: true },
        { path: "/", ugid: "alice@pbs", roleid: "Admin", propagate: true },
        { path: "/access", ugid: "alice@pbs!cd", roleid: "Audit", propagate: false },
      ],
    );
    state.tokenHashes = { "alice@pbs!ci": "hash-ci", "alice@pbs!cd": "hash-cd" };

    deleteTokenFromState(state, "alice@pbs!ci");

    expect(Object.keys(state.config.tokens)).toEqual(["alice@pbs!cd"]);
    expect(state.tokenHashes).toEqual({ "alice@pbs!cd": "hash-cd" });
    expect(state.config.acl.map((entry) => entry.ugid)).toEqual(["alice@pbs", "alice@pbs!cd"]);
    expect(Object.keys(state.config.users)).toEqual(["alice@pbs"]);
  });
});

describe("ACL paths", () => {
  it("selects a path and its subtree, or with exact only the path itself", () => {
    expect(isAclPathSelected("/access", "/access", true)).toBe(true);
    expect(isAclPathSelected("/access/users", "/access", true)).toBe(false);
    expect(isAclPathSelected("/access/users", "/access", false)).toBe(true);
    expect(isAclPathSelected("/access", "/access/users", false)).toBe(false);
  });

  it("does not take a sibling that shares a prefix for a subpath", () => {
    expect(isAclPathSelected("/accessories", "/access", false)).toBe(false);
  });

  it("selects everything below the root unless exact is set", () => {
    expect(isAclPathSelected("/system", "/", false)).toBe(true);
    expect(isAclPathSelected("/system", "/", true)).toBe(false);
    expect(isAclPathSelected("/", "/", true)).toBe(true);
  });
});

describe("canSeePermissionsOf", () => {
  it("lets anyone see their own permissions", () => {
    expect(canSeePermissionsOf(userCaller("alice@pbs"), "alice@pbs")).toBe(true);
    expect(canSeePermissionsOf(tokenCaller("alice@pbs", "ci"), "alice@pbs!ci")).toBe(true);
  });

  it("lets a user see its own tokens but not another user's", () => {
    expect(canSeePermissionsOf(userCaller("alice@pbs"), "alice@pbs!ci")).toBe(true);
    expect(canSeePermissionsOf(userCaller("alice@pbs"), "bob@pbs!ci")).toBe(false);
    expect(canSeePermissionsOf(userCaller("alice@pbs"), "bob@pbs")).toBe(false);
  });

  it("does not let a token see its owner or its sibling tokens", () => {
    const caller = tokenCaller("alice@pbs", "ci");
    expect(canSeePermissionsOf(caller, "alice@pbs")).toBe(false);
    expect(canSeePermissionsOf(caller, "alice@pbs!cd")).toBe(false);
  });
});

describe("privilegesToRecord", () => {
  it("keeps each propagate flag and orders the privileges by name", () => {
    const privileges = new Map<Privilege, boolean>([
      ["Sys.Modify", false],
      ["Permissions.Modify", true],
      ["Sys.Audit", true],
    ]);
    const record = privilegesToRecord(privileges);
    expect(record).toEqual({ "Permissions.Modify": true, "Sys.Audit": true, "Sys.Modify": false });
    expect(Object.keys(record)).toEqual(["Permissions.Modify", "Sys.Audit", "Sys.Modify"]);
  });
});

describe("isSameConfig", () => {
  const acl: AclEntry[] = [
    { path: "/", ugid: "alice@pbs", roleid: "Admin", propagate: true },
    { path: "/access", ugid: "bob@pbs", roleid: "Audit", propagate: false },
  ];

  it("ignores the order of object keys", () => {
    const a = configOf([user("alice@pbs"), user("bob@pbs", { comment: "c", expire: 5 })], [], acl);
    const b: AccessConfig = {
      acl: acl.map(({ propagate, roleid, ugid, path }) => ({ propagate, roleid, ugid, path })),
      tokens: {},
      users: {
        "bob@pbs": { expire: 5, comment: "c", enable: true, userid: "bob@pbs" },
        "alice@pbs": { expire: 0, enable: true, userid: "alice@pbs" },
      },
    };
    expect(isSameConfig(a, b)).toBe(true);
  });

  it("sees a changed value, an added field and a reordered ACL as different", () => {
    const base = configOf([user("alice@pbs")], [], acl);
    expect(isSameConfig(base, configOf([user("alice@pbs", { enable: false })], [], acl))).toBe(false);
    expect(isSameConfig(base, configOf([user("alice@pbs", { comment: "" })], [], acl))).toBe(false);
    // ACL order is kept by every backend, so a reordering is a real edit.
    expect(isSameConfig(base, configOf([user("alice@pbs")], [], [...acl].reverse()))).toBe(false);
  });
});

describe("compareStrings", () => {
  it("orders by UTF-16 code units, not by locale", () => {
    expect(["b", "a", "B", "é", "z"].sort(compareStrings)).toEqual(["B", "a", "b", "z", "é"]);
    expect(compareStrings("same", "same")).toBe(0);
  });
});
