import { describe, expect, it } from "vitest";
import { isRoleId, listRoles, PRIVILEGES, ROLE_IDS, ROLES } from "./roles.js";

// The catalogue of pbs-api-types/src/acl.rs, written out by hand so that a slip in
// roles.ts (a privilege dropped from a role, a role renamed) fails here.
const PBS_ROLE_PRIVILEGES: Record<string, string[]> = {
  Audit: ["Sys.Audit", "Datastore.Audit"],
  NoAccess: [],
  DatastoreAdmin: ["Datastore.Audit", "Datastore.Modify", "Datastore.Read", "Datastore.Verify", "Datastore.Backup", "Datastore.Prune"],
  DatastoreReader: ["Datastore.Audit", "Datastore.Read", "Datastore.Verify"],
  DatastoreBackup: ["Datastore.Backup"],
  DatastorePowerUser: ["Datastore.Backup", "Datastore.Prune"],
  DatastoreAudit: ["Datastore.Audit"],
  RemoteAudit: ["Remote.Audit"],
  RemoteAdmin: ["Remote.Audit", "Remote.Modify", "Remote.Read"],
  RemoteSyncOperator: ["Remote.Audit", "Remote.Read"],
  TapeAudit: ["Tape.Audit"],
  TapeAdmin: ["Tape.Audit", "Tape.Modify", "Tape.Read", "Tape.Write"],
  TapeOperator: ["Tape.Audit", "Tape.Read", "Tape.Write"],
  TapeReader: ["Tape.Audit", "Tape.Read"],
};

describe("the PBS role catalogue (pbs-api-types/src/acl.rs)", () => {
  it("has PBS's twenty privileges", () => {
    expect([...PRIVILEGES].sort()).toEqual(
      [
        "Datastore.Allocate",
        "Datastore.Audit",
        "Datastore.Backup",
        "Datastore.Modify",
        "Datastore.Prune",
        "Datastore.Read",
        "Datastore.Verify",
        "Permissions.Modify",
        "Realm.Allocate",
        "Remote.Audit",
        "Remote.Modify",
        "Remote.Read",
        "Sys.Audit",
        "Sys.Console",
        "Sys.Modify",
        "Sys.PowerManagement",
        "Tape.Audit",
        "Tape.Modify",
        "Tape.Read",
        "Tape.Write",
      ].sort(),
    );
  });

  it("gives every built-in role PBS's privilege set, and Admin all of them", () => {
    expect([...ROLE_IDS].sort()).toEqual(["Admin", ...Object.keys(PBS_ROLE_PRIVILEGES)].sort());
    expect([...ROLES.Admin]).toEqual([...PRIVILEGES]);
    for (const [role, privileges] of Object.entries(PBS_ROLE_PRIVILEGES)) {
      expect([...(ROLES as Record<string, readonly string[]>)[role]!].sort(), role).toEqual([...privileges].sort());
    }
  });

  it("lists each role with its privileges in catalogue order and a comment, as GET /access/roles returns them", () => {
    const roles = listRoles();
    expect(roles.map((role) => role.roleid)).toEqual([...ROLE_IDS]);
    const datastoreReader = roles.find((role) => role.roleid === "DatastoreReader");
    // PBS walks its privilege bitmap in declaration order: Audit, Read, Verify.
    expect(datastoreReader).toEqual({
      roleid: "DatastoreReader",
      privs: ["Datastore.Audit", "Datastore.Read", "Datastore.Verify"],
      comment: "Datastore Reader (inspect datastore content and do restores)",
    });
    for (const role of roles) expect(role.comment.length, role.roleid).toBeGreaterThan(0);
  });

  it("hands out copies, so a caller cannot change the catalogue", () => {
    const first = listRoles();
    first[0]!.privs.length = 0;
    expect(listRoles()[0]!.privs.length).toBe(PRIVILEGES.length);
    expect(Object.isFrozen(ROLES.Admin)).toBe(true);
  });

  it("recognises role ids case-sensitively and no inherited property", () => {
    expect(ROLE_IDS.every(isRoleId)).toBe(true);
    for (const name of ["datastoreadmin", "Datastore.Admin", "toString", "__proto__", "constructor"]) {
      expect(isRoleId(name), name).toBe(false);
    }
  });
});
