/**
 * The PBS privilege and role catalogue (pbs-api-types/src/acl.rs). Names and
 * privilege sets are wire data: an ACL written by PBS means the same here, and
 * `GET /access/roles` lists exactly these.
 */

/**
 * Every privilege, in PBS's declaration order: `GET /access/roles` and
 * `/access/permissions` list privileges in this order, as PBS walks its bitmap.
 */
export const PRIVILEGES = [
  "Sys.Audit",
  "Sys.Modify",
  "Sys.PowerManagement",
  "Datastore.Audit",
  "Datastore.Allocate",
  "Datastore.Modify",
  "Datastore.Read",
  "Datastore.Verify",
  "Datastore.Backup",
  "Datastore.Prune",
  "Permissions.Modify",
  "Remote.Audit",
  "Remote.Modify",
  "Remote.Read",
  "Sys.Console",
  "Tape.Audit",
  "Tape.Modify",
  "Tape.Write",
  "Tape.Read",
  "Realm.Allocate",
] as const;
export type Privilege = (typeof PRIVILEGES)[number];

export const ROLE_IDS = [
  "Admin",
  "Audit",
  "NoAccess",
  "DatastoreAdmin",
  "DatastoreReader",
  "DatastoreBackup",
  "DatastorePowerUser",
  "DatastoreAudit",
  "RemoteAudit",
  "RemoteAdmin",
  "RemoteSyncOperator",
  "TapeAudit",
  "TapeAdmin",
  "TapeOperator",
  "TapeReader",
] as const;
export type RoleId = (typeof ROLE_IDS)[number];

/** NoAccess on a path replaces every other role of the same ugid there. */
export const NO_ACCESS_ROLE: RoleId = "NoAccess";

interface RoleDefinition {
  privileges: readonly Privilege[];
  /** The one-line description PBS returns as the role's `comment`. */
  comment: string;
}

function defineRole(privileges: readonly Privilege[], comment: string): RoleDefinition {
  // Kept in catalogue order whatever order the definition lists them in.
  const ordered = PRIVILEGES.filter((privilege) => privileges.includes(privilege));
  return Object.freeze({ privileges: Object.freeze(ordered), comment });
}

/** PBS's built-in roles. Admin is every privilege (PBS: all bits set). */
export const ROLE_DEFINITIONS: Readonly<Record<RoleId, RoleDefinition>> = Object.freeze({
  Admin: defineRole(PRIVILEGES, "Administrator"),
  Audit: defineRole(["Sys.Audit", "Datastore.Audit"], "Auditor"),
  NoAccess: defineRole([], "Disable Access"),
  DatastoreAdmin: defineRole(
    ["Datastore.Audit", "Datastore.Modify", "Datastore.Read", "Datastore.Verify", "Datastore.Backup", "Datastore.Prune"],
    "Datastore Administrator",
  ),
  DatastoreReader: defineRole(
    ["Datastore.Audit", "Datastore.Verify", "Datastore.Read"],
    "Datastore Reader (inspect datastore content and do restores)",
  ),
  DatastoreBackup: defineRole(["Datastore.Backup"], "Datastore Backup (backup and restore owned backups)"),
  DatastorePowerUser: defineRole(["Datastore.Prune", "Datastore.Backup"], "Datastore PowerUser (backup, restore and prune owned backup)"),
  DatastoreAudit: defineRole(["Datastore.Audit"], "Datastore Auditor"),
  RemoteAudit: defineRole(["Remote.Audit"], "Remote Auditor"),
  RemoteAdmin: defineRole(["Remote.Audit", "Remote.Modify", "Remote.Read"], "Remote Administrator"),
  // Spelled as PBS spells it: clients that match on the comment see the same text.
  RemoteSyncOperator: defineRole(["Remote.Audit", "Remote.Read"], "Syncronisation Opertator"),
  TapeAudit: defineRole(["Tape.Audit"], "Tape Auditor"),
  TapeAdmin: defineRole(["Tape.Audit", "Tape.Modify", "Tape.Read", "Tape.Write"], "Tape Administrator"),
  TapeOperator: defineRole(["Tape.Audit", "Tape.Read", "Tape.Write"], "Tape Operator"),
  TapeReader: defineRole(["Tape.Audit", "Tape.Read"], "Tape Reader"),
});

/** Role -> its privileges, in catalogue order. */
export const ROLES: Readonly<Record<RoleId, readonly Privilege[]>> = Object.freeze(
  Object.fromEntries(ROLE_IDS.map((id) => [id, ROLE_DEFINITIONS[id].privileges])) as Record<RoleId, readonly Privilege[]>,
);

/** One row of `GET /access/roles`. */
export interface RoleView {
  roleid: RoleId;
  privs: Privilege[];
  comment: string;
}

/**
 * The role list as `GET /access/roles` returns it. PBS iterates a hash map, so its
 * order is arbitrary; ours is the declaration order, which clients may rely on no
 * more than on PBS's.
 */
export function listRoles(): RoleView[] {
  return ROLE_IDS.map((roleid) => ({
    roleid,
    privs: [...ROLE_DEFINITIONS[roleid].privileges],
    comment: ROLE_DEFINITIONS[roleid].comment,
  }));
}

export function isRoleId(s: string): s is RoleId {
  return Object.prototype.hasOwnProperty.call(ROLE_DEFINITIONS, s);
}

export function isPrivilege(s: string): s is Privilege {
  return (PRIVILEGES as readonly string[]).includes(s);
}
