import { describe, expect, it } from "vitest";
import { holdsEveryPrivilegeOf, requireAuthorityOverAccount } from "./account-authority.js";
import type { AccountAction } from "./account-authority.js";
import type { AuthContext } from "./types.js";
import { PermissionDeniedError } from "../core/errors.js";
import type { AccessConfig, AclEntry } from "../core/model.js";

function user(userid: string): AuthContext {
  return { authid: userid, userid, tokenName: null, via: "ticket" };
}
function token(userid: string, name: string): AuthContext {
  return { authid: `${userid}!${name}`, userid, tokenName: name, via: "token" };
}

function configWith(acl: AclEntry[]): AccessConfig {
  const users: AccessConfig["users"] = {};
  for (const userid of ["root@pbs", "delegate@pbs", "carol@pbs", "dave@pbs"]) users[userid] = { userid, enable: true, expire: 0 };
  return {
    users,
    tokens: { "root@pbs!narrow": { tokenid: "root@pbs!narrow", enable: true, expire: 0 } },
    acl,
  };
}

const SUPERUSER_ACL: AclEntry = { path: "/", ugid: "root@pbs", roleid: "Admin", propagate: true };
const DELEGATE_ACL: AclEntry = { path: "/access/users", ugid: "delegate@pbs", roleid: "Admin", propagate: true };
const NARROW_TOKEN_ACL: AclEntry = { path: "/access/users", ugid: "root@pbs!narrow", roleid: "Admin", propagate: true };
const ALL_ACTIONS: AccountAction[] = ["set-password", "update", "delete", "manage-tokens", "end-sessions"];

function isAllowed(config: AccessConfig, actor: AuthContext, target: string, action: AccountAction): boolean {
  try {
    requireAuthorityOverAccount(config, actor, target, action);
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(PermissionDeniedError);
    return false;
  }
}

describe("requireAuthorityOverAccount (issue 15, findings 1 and 2)", () => {
  const config = configWith([SUPERUSER_ACL, DELEGATE_ACL, NARROW_TOKEN_ACL]);

  it("refuses a token every action on its owner's account, even with Admin on /access/users (finding 1)", () => {
    for (const action of ALL_ACTIONS) expect(isAllowed(config, token("root@pbs", "narrow"), "root@pbs", action), action).toBe(false);
  });

  it("refuses a token any password change, also of a user it could otherwise manage (PBS src/api2/access/mod.rs)", () => {
    expect(isAllowed(config, token("root@pbs", "narrow"), "carol@pbs", "set-password")).toBe(false);
    expect(isAllowed(config, token("root@pbs", "narrow"), "carol@pbs", "update")).toBe(true);
  });

  it("refuses a delegated user admin every action on a superuser's account (finding 2)", () => {
    for (const action of ALL_ACTIONS) expect(isAllowed(config, user("delegate@pbs"), "root@pbs", action), action).toBe(false);
  });

  it("lets a delegated user admin manage users who hold no more than it does", () => {
    for (const action of ALL_ACTIONS) expect(isAllowed(config, user("delegate@pbs"), "carol@pbs", action), action).toBe(true);
  });

  it("lets a user set its own password, manage its own tokens and end its own sessions, but not edit or delete itself without the privilege", () => {
    expect(isAllowed(config, user("carol@pbs"), "carol@pbs", "set-password")).toBe(true);
    expect(isAllowed(config, user("carol@pbs"), "carol@pbs", "manage-tokens")).toBe(true);
    expect(isAllowed(config, user("carol@pbs"), "carol@pbs", "end-sessions")).toBe(true);
    expect(isAllowed(config, user("carol@pbs"), "carol@pbs", "update")).toBe(false);
    expect(isAllowed(config, user("carol@pbs"), "carol@pbs", "delete")).toBe(false);
    expect(isAllowed(config, user("carol@pbs"), "dave@pbs", "end-sessions")).toBe(false);
  });

  it("lets the superuser and the system actor act on anyone", () => {
    for (const action of ALL_ACTIONS) {
      expect(isAllowed(config, user("root@pbs"), "delegate@pbs", action)).toBe(true);
      expect(isAllowed(config, { ...user("root@pbs"), via: "system" }, "root@pbs", action)).toBe(true);
    }
  });
});

describe("holdsEveryPrivilegeOf", () => {
  it("compares reach: a non-propagating grant does not cover a propagating one", () => {
    const config = configWith([
      { path: "/datastore", ugid: "carol@pbs", roleid: "Audit", propagate: true },
      { path: "/datastore", ugid: "dave@pbs", roleid: "Audit", propagate: false },
    ]);
    expect(holdsEveryPrivilegeOf(config, "dave@pbs", "carol@pbs")).toBe(false);
    expect(holdsEveryPrivilegeOf(config, "carol@pbs", "dave@pbs")).toBe(true);
  });

  it("sees a privilege the target holds below a path where the actor's grant is cut off by NoAccess", () => {
    const config = configWith([
      { path: "/", ugid: "dave@pbs", roleid: "Admin", propagate: true },
      { path: "/system", ugid: "dave@pbs", roleid: "NoAccess", propagate: true },
      { path: "/", ugid: "carol@pbs", roleid: "Audit", propagate: true },
    ]);
    expect(holdsEveryPrivilegeOf(config, "dave@pbs", "carol@pbs")).toBe(false);
    expect(holdsEveryPrivilegeOf(config, "carol@pbs", "carol@pbs")).toBe(true);
  });

  it("judges a token actor by its effective privileges, the intersection with its owner's", () => {
    const config = configWith([
      SUPERUSER_ACL,
      { path: "/", ugid: "root@pbs!narrow", roleid: "Audit", propagate: true },
      { path: "/", ugid: "carol@pbs", roleid: "Admin", propagate: true },
    ]);
    expect(holdsEveryPrivilegeOf(config, "root@pbs!narrow", "carol@pbs")).toBe(false);
    expect(holdsEveryPrivilegeOf(config, "root@pbs", "carol@pbs")).toBe(true);
  });
});
