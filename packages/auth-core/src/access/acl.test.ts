import { describe, expect, it } from "vitest";
import { computePrivileges, hasPrivilege, isPrivilege, isKnownAclPath, isRoleId, isValidAclPath, PRIVILEGES, ROLES } from "./acl.js";
import type { Privilege } from "./acl.js";
import type { AccessConfig, AclEntry, RoleId } from "../core/model.js";
import { emptyAccessConfig } from "../core/model.js";

function configWith(...acl: AclEntry[]): AccessConfig {
  return { ...emptyAccessConfig(), acl };
}

function entry(path: string, ugid: string, roleid: RoleId, propagate = true): AclEntry {
  return { path, ugid, roleid, propagate };
}

function privilegesOf(config: AccessConfig, authid: string, path: string): Record<string, boolean> {
  return Object.fromEntries(computePrivileges(config, authid, path));
}

/** Every privilege with the same propagate flag: what Admin grants. */
function everyPrivilege(propagate: boolean): Record<string, boolean> {
  return Object.fromEntries(PRIVILEGES.map((privilege) => [privilege, propagate]));
}

/** What the Audit role grants (pbs-api-types acl.rs ROLE_AUDIT). */
function audit(propagate: boolean): Record<string, boolean> {
  return { "Sys.Audit": propagate, "Datastore.Audit": propagate };
}

const ALL_PROPAGATING = everyPrivilege(true);

describe("roles and privileges", () => {
  it("gives Admin every privilege, Audit Sys.Audit and Datastore.Audit, and NoAccess none", () => {
    expect([...ROLES.Admin].sort()).toEqual([...PRIVILEGES].sort());
    expect(ROLES.Audit).toEqual(["Sys.Audit", "Datastore.Audit"]);
    expect(ROLES.NoAccess).toEqual([]);
  });

  it("recognises exactly the known role ids and privileges", () => {
    expect(["Admin", "Audit", "NoAccess"].every(isRoleId)).toBe(true);
    expect(isRoleId("admin")).toBe(false);
    expect(isRoleId("toString")).toBe(false);
    expect(isRoleId("__proto__")).toBe(false);
    expect(isPrivilege("Sys.Modify")).toBe(true);
    expect(isPrivilege("Sys.PowerMgmt")).toBe(false);
  });
});

describe("isValidAclPath", () => {
  it("accepts the root and the known paths", () => {
    for (const path of ["/", "/access", "/access/users", "/access/acl", "/system"]) {
      expect(isValidAclPath(path), path).toBe(true);
    }
  });

  it("accepts deeper paths of safe characters", () => {
    expect(isValidAclPath("/datastore/store-1/ns.a/_b")).toBe(true);
  });

  it("refuses dot components, empty components, trailing slashes and relative paths", () => {
    for (const path of ["", "access", "//", "/access/", "/access//users", "/..", "/access/..", "/.", "/a/./b", "/.hidden"]) {
      expect(isValidAclPath(path), path).toBe(false);
    }
  });

  it("refuses unsafe characters", () => {
    for (const path of ["/ac cess", "/access\n", "/a:b", "/a@b", "/a\\b", "/ä", "/a?b"]) {
      expect(isValidAclPath(path), JSON.stringify(path)).toBe(false);
    }
  });

  it("accepts 128 characters and refuses 129", () => {
    const at128 = `/${"a".repeat(127)}`;
    expect(isValidAclPath(at128)).toBe(true);
    expect(isValidAclPath(`${at128}a`)).toBe(false);
  });
});

describe("isKnownAclPath (pbs-config/src/acl.rs check_acl_path)", () => {
  it("accepts the paths PBS knows, down to their deepest component", () => {
    const known = [
      "/",
      "/access",
      "/access/acl",
      "/access/users",
      "/access/domains",
      "/access/openid",
      "/access/openid/my-realm",
      "/datastore",
      "/datastore/store1",
      "/datastore/store1/a/b/c/d/e/f/g",
      "/remote",
      "/remote/backup2",
      "/remote/backup2/store1",
      "/system",
      "/system/certificates",
      "/system/disks",
      "/system/log",
      "/system/notifications",
      "/system/status",
      "/system/tasks",
      "/system/time",
      "/system/services",
      "/system/services/proxmox-backup",
      "/system/network",
      "/system/network/dns",
      "/system/network/interfaces",
      "/system/network/interfaces/eth0",
      "/tape",
      "/tape/device",
      "/tape/device/drive0",
      "/tape/pool/weekly",
      "/tape/job/nightly",
    ];
    for (const path of known) expect(isKnownAclPath(path), path).toBe(true);
  });

  it("refuses unknown trees and paths deeper than PBS allows", () => {
    const unknown = [
      "/nodes",
      "/vms/100",
      "/access/users/alice",
      "/access/tfa",
      "/access/openid/realm/extra",
      "/datastore/store1/a/b/c/d/e/f/g/h",
      "/remote/backup2/store1/ns",
      "/system/certificates/x",
      "/system/services/a/b",
      "/system/network/dns/x",
      "/system/network/interfaces/eth0/x",
      "/system/other",
      "/tape/device/drive0/x",
      "/tape/changer",
    ];
    for (const path of unknown) expect(isKnownAclPath(path), path).toBe(false);
  });
});

describe("computePrivileges", () => {
  it("gives nothing to an authid without entries", () => {
    expect(privilegesOf(configWith(entry("/", "bob@pbs", "Admin")), "alice@pbs", "/")).toEqual({});
  });

  it("propagates an entry to every path below it", () => {
    const config = configWith(entry("/", "alice@pbs", "Admin"));
    for (const path of ["/", "/access", "/access/users", "/system/deep/er"]) {
      expect(privilegesOf(config, "alice@pbs", path), path).toEqual(ALL_PROPAGATING);
    }
  });

  it("does not grant an entry on a path above it or beside it", () => {
    const config = configWith(entry("/access/users", "alice@pbs", "Admin"));
    expect(privilegesOf(config, "alice@pbs", "/")).toEqual({});
    expect(privilegesOf(config, "alice@pbs", "/access")).toEqual({});
    expect(privilegesOf(config, "alice@pbs", "/access/acl")).toEqual({});
    expect(privilegesOf(config, "alice@pbs", "/access/users")).toEqual(ALL_PROPAGATING);
  });

  it("applies a non-propagating entry only at its exact path, with a false propagate flag", () => {
    const config = configWith(entry("/access", "alice@pbs", "Audit", false));
    expect(privilegesOf(config, "alice@pbs", "/access")).toEqual(audit(false));
    expect(privilegesOf(config, "alice@pbs", "/access/users")).toEqual({});
  });

  it("lets a non-propagating entry above the path leave the inherited roles in place", () => {
    const config = configWith(entry("/", "alice@pbs", "Audit"), entry("/access", "alice@pbs", "NoAccess", false));
    expect(privilegesOf(config, "alice@pbs", "/access")).toEqual({});
    expect(privilegesOf(config, "alice@pbs", "/access/users")).toEqual(audit(true));
  });

  it("lets a deeper entry replace what was inherited, in both directions", () => {
    const config = configWith(
      entry("/", "alice@pbs", "Admin"),
      entry("/access", "alice@pbs", "Audit"),
      entry("/access/users", "alice@pbs", "Admin"),
    );
    expect(privilegesOf(config, "alice@pbs", "/system")).toEqual(ALL_PROPAGATING);
    expect(privilegesOf(config, "alice@pbs", "/access")).toEqual(audit(true));
    expect(privilegesOf(config, "alice@pbs", "/access/acl")).toEqual(audit(true));
    expect(privilegesOf(config, "alice@pbs", "/access/users")).toEqual(ALL_PROPAGATING);
  });

  it("yields nothing under a NoAccess entry until a deeper entry grants again", () => {
    const config = configWith(
      entry("/", "alice@pbs", "Admin"),
      entry("/access", "alice@pbs", "NoAccess"),
      entry("/access/users", "alice@pbs", "Audit"),
    );
    expect(privilegesOf(config, "alice@pbs", "/access")).toEqual({});
    expect(privilegesOf(config, "alice@pbs", "/access/acl")).toEqual({});
    expect(privilegesOf(config, "alice@pbs", "/access/users")).toEqual(audit(true));
  });

  it("lets NoAccess win over other roles on the same node", () => {
    const config = configWith(entry("/", "alice@pbs", "Admin"), entry("/", "alice@pbs", "NoAccess"));
    expect(privilegesOf(config, "alice@pbs", "/")).toEqual({});
    expect(privilegesOf(config, "alice@pbs", "/system")).toEqual({});
  });

  it("combines several roles on one node", () => {
    const config = configWith(entry("/", "alice@pbs", "Audit"), entry("/", "alice@pbs", "Admin", false));
    expect(privilegesOf(config, "alice@pbs", "/")).toEqual({ ...everyPrivilege(false), ...audit(true) });
    expect(privilegesOf(config, "alice@pbs", "/system")).toEqual(audit(true));
  });

  it("ignores repeated and trailing slashes in the path asked about", () => {
    const config = configWith(entry("/access", "alice@pbs", "Audit", false));
    expect(privilegesOf(config, "alice@pbs", "/access/")).toEqual(audit(false));
    expect(privilegesOf(config, "alice@pbs", "//access")).toEqual(audit(false));
  });

  it("ignores an unknown role from a hand-edited config", () => {
    const config = configWith(entry("/", "alice@pbs", "Admin"), entry("/", "alice@pbs", "Superuser" as RoleId));
    expect(privilegesOf(config, "alice@pbs", "/")).toEqual(ALL_PROPAGATING);
  });

  it("gives nothing to a string that is not an authid, even with a matching entry", () => {
    expect(privilegesOf(configWith(entry("/", "garbage", "Admin")), "garbage", "/")).toEqual({});
  });

  it("does not let a user's entries apply to a user whose name merely contains a bang", () => {
    const config = configWith(entry("/", "a@pbs", "Admin"));
    expect(privilegesOf(config, "a!b@pbs", "/")).toEqual({});
  });
});

describe("computePrivileges for tokens", () => {
  const USER = "alice@pbs";
  const TOKEN = "alice@pbs!ci";

  it("gives a token without entries nothing, even when its user is Admin", () => {
    expect(privilegesOf(configWith(entry("/", USER, "Admin")), TOKEN, "/")).toEqual({});
  });

  it("gives a token its own entries when its user holds them too", () => {
    const config = configWith(entry("/", USER, "Admin"), entry("/", TOKEN, "Audit"));
    expect(privilegesOf(config, TOKEN, "/system")).toEqual(audit(true));
  });

  it("never gives a token more than its user", () => {
    const config = configWith(entry("/", USER, "Audit"), entry("/", TOKEN, "Admin"));
    expect(privilegesOf(config, TOKEN, "/")).toEqual(audit(true));
  });

  it("gives a token nothing when its user has nothing", () => {
    expect(privilegesOf(configWith(entry("/", TOKEN, "Admin")), TOKEN, "/")).toEqual({});
  });

  it("intersects per path, so a user's NoAccess below also limits the token", () => {
    const config = configWith(entry("/", USER, "Admin"), entry("/access", USER, "NoAccess"), entry("/", TOKEN, "Admin"));
    expect(privilegesOf(config, TOKEN, "/system")).toEqual(ALL_PROPAGATING);
    expect(privilegesOf(config, TOKEN, "/access/users")).toEqual({});
  });

  it("propagates a privilege only when both sides propagate it", () => {
    const config = configWith(entry("/", USER, "Admin", false), entry("/", TOKEN, "Admin"));
    expect(privilegesOf(config, TOKEN, "/")).toEqual(everyPrivilege(false));
    expect(privilegesOf(config, TOKEN, "/system")).toEqual({});
  });

  it("does not let one token's entries apply to another token of the same user", () => {
    const config = configWith(entry("/", USER, "Admin"), entry("/", "alice@pbs!other", "Admin"));
    expect(privilegesOf(config, TOKEN, "/")).toEqual({});
  });
});

describe("hasPrivilege", () => {
  it("answers whether the privilege is held at the path", () => {
    const config = configWith(entry("/access", "alice@pbs", "Audit"));
    const check = (path: string, privilege: Privilege) => hasPrivilege(config, "alice@pbs", path, privilege);
    expect(check("/access/users", "Sys.Audit")).toBe(true);
    expect(check("/access/users", "Permissions.Modify")).toBe(false);
    expect(check("/", "Sys.Audit")).toBe(false);
  });

  it("counts a non-propagating privilege at its own path", () => {
    const config = configWith(entry("/access/users", "alice@pbs", "Admin", false));
    expect(hasPrivilege(config, "alice@pbs", "/access/users", "Permissions.Modify")).toBe(true);
  });
});
