/**
 * Privileges, roles and the PBS ACL evaluation: which privileges an authid holds
 * on a path, given the ACL entries of the access config.
 */
import { aclEntriesOf } from "./config-index.js";
import { parseAuthid } from "../core/ids.js";
import type { AccessConfig, AclEntry } from "../core/model.js";
import { isRoleId, NO_ACCESS_ROLE, ROLES, type Privilege } from "../core/roles.js";

export { isPrivilege, isRoleId, PRIVILEGES, ROLES } from "../core/roles.js";
export type { Privilege, RoleId } from "../core/roles.js";

const NO_ACCESS = NO_ACCESS_ROLE;

export { ACL_PATH_MAX_LENGTH } from "../core/limits.js";
export { isValidAclPath } from "../core/input-rules.js";

/** PBS's deepest datastore namespace (pbs-api-types datastore.rs MAX_NAMESPACE_DEPTH). */
const MAX_NAMESPACE_DEPTH = 7;

/**
 * Whether a well-formed path names something PBS knows, by the number of
 * components under each top-level tree (pbs-config/src/acl.rs `check_acl_path`):
 * `/access/{acl,users,domains}`, `/access/openid/{id}`, `/datastore/{store}/{ns...}`,
 * `/remote/{remote}/{store}`, `/system/...` and `/tape/{device,pool,job}/{name}`.
 * PBS checks this when an entry is added, never when one is removed.
 */
export function isKnownAclPath(path: string): boolean {
  const parts = splitAclPath(path);
  const [top, second, third] = parts;
  const depth = parts.length;
  switch (top) {
    case undefined:
      return true;
    case "access":
      if (depth === 1) return true;
      if (second === "acl" || second === "users" || second === "domains") return depth === 2;
      return second === "openid" && depth <= 3;
    case "datastore":
      return depth <= 2 + MAX_NAMESPACE_DEPTH;
    case "remote":
      return depth <= 3;
    case "system":
      if (depth === 1) return true;
      switch (second) {
        case "certificates":
        case "disks":
        case "log":
        case "notifications":
        case "status":
        case "tasks":
        case "time":
          return depth === 2;
        case "services":
          return depth <= 3;
        case "network":
          if (depth === 2) return true;
          if (third === "dns") return depth === 3;
          return third === "interfaces" && depth <= 4;
        case undefined:
        default:
          return false;
      }
    case "tape":
      if (depth === 1) return true;
      return (second === "device" || second === "pool" || second === "job") && depth <= 3;
    default:
      return false;
  }
}

/** Path components; like PBS, repeated and trailing slashes are ignored when looking up. */
function splitAclPath(path: string): string[] {
  return path.split("/").filter((component) => component.length > 0);
}

/** Role name -> propagate flag, as in PBS's role maps. */
type RoleMap = Map<string, boolean>;

/**
 * The roles that `ugid`'s entries at one node contribute. `isTarget` says whether
 * this node is the path asked about: non-propagating entries count only there.
 * An applicable NoAccess entry wins over every other role at the same node.
 */
function extractRoles(entries: readonly AclEntry[], isTarget: boolean): RoleMap {
  const roles: RoleMap = new Map();
  for (const entry of entries) {
    if (!entry.propagate && !isTarget) continue;
    if (entry.roleid === NO_ACCESS) return new Map([[NO_ACCESS, false]]);
    roles.set(entry.roleid, entry.propagate);
  }
  return roles;
}

/**
 * PBS semantics: walk from `/` down to the path; at each node a non-empty set of
 * entries for this ugid replaces everything inherited from above, so a deeper
 * entry (NoAccess included) overrides a broader one.
 */
function computeRoles(config: AccessConfig, ugid: string, path: string): RoleMap {
  const byNode = new Map<string, AclEntry[]>();
  // Only this ugid's entries, from the per-snapshot index: a check never walks the whole ACL.
  for (const entry of aclEntriesOf(config, ugid)) {
    const node = splitAclPath(entry.path).join("/");
    const list = byNode.get(node);
    if (list === undefined) byNode.set(node, [entry]);
    else list.push(entry);
  }
  const components = splitAclPath(path);
  let roles: RoleMap = new Map();
  for (let depth = 0; depth <= components.length; depth++) {
    const entries = byNode.get(components.slice(0, depth).join("/"));
    if (entries === undefined) continue;
    const atNode = extractRoles(entries, depth === components.length);
    if (atNode.size > 0) roles = atNode;
  }
  return roles;
}

/** Privilege -> whether it propagates to paths below. */
function computeDirectPrivileges(config: AccessConfig, ugid: string, path: string): Map<Privilege, boolean> {
  const privileges = new Map<Privilege, boolean>();
  for (const [roleid, propagate] of computeRoles(config, ugid, path)) {
    // A hand-edited config may name a role that does not exist: it grants nothing.
    if (!isRoleId(roleid)) continue;
    for (const privilege of ROLES[roleid]) {
      privileges.set(privilege, propagate || privileges.get(privilege) === true);
    }
  }
  return privileges;
}

/**
 * The privileges `authid` holds on `path`, each with its propagate flag. A token
 * gets the intersection of its own entries and its user's, so a token can never
 * exceed its owner and a token without entries holds nothing.
 */
export function computePrivileges(config: AccessConfig, authid: string, path: string): Map<Privilege, boolean> {
  const parsed = parseAuthid(authid);
  // Nothing that is not an authid can hold a privilege, whatever the ACL says.
  if (!parsed.ok) return new Map();
  const own = computeDirectPrivileges(config, authid, path);
  if (parsed.value.tokenName === null) return own;
  const ownerPrivileges = computeDirectPrivileges(config, parsed.value.userid, path);
  const intersection = new Map<Privilege, boolean>();
  for (const [privilege, propagate] of own) {
    const ownerPropagate = ownerPrivileges.get(privilege);
    if (ownerPropagate !== undefined) intersection.set(privilege, propagate && ownerPropagate);
  }
  return intersection;
}

export function hasPrivilege(config: AccessConfig, authid: string, path: string, privilege: Privilege): boolean {
  return computePrivileges(config, authid, path).has(privilege);
}
