/**
 * Who may act on a user account (issue 15, findings 1 and 2): the one rule every
 * operation that changes a user's record, password, tokens or sessions, or deletes
 * the user, goes through.
 *
 * - An API token never changes a password (PBS refuses tokens on
 *   `PUT /access/password`, src/api2/access/mod.rs), and never acts on its owner's
 *   account at all: a leaked token must not be able to take over, lock out or
 *   outlive the user it belongs to.
 * - A user may look after its own password, tokens and sessions.
 * - Anything else needs Permissions.Modify on `/access/users` and, on another
 *   user's account, every privilege that user holds, on every path and with the
 *   same reach: a delegated user admin must not become a superuser by resetting
 *   one's password or minting one's token. The comparison is generic over the
 *   privilege catalogue (`computePrivileges`), so new privileges are covered too.
 */
import { computePrivileges } from "./acl.js";
import type { AuthContext } from "./types.js";
import { PermissionDeniedError } from "../core/errors.js";
import type { AccessConfig, AclEntry } from "../core/model.js";

/** What the actor wants to do to the account. */
export type AccountAction = "set-password" | "update" | "delete" | "manage-tokens" | "end-sessions" | "manage-tfa" | "unlock-tfa";

/** Actions a user may take on its own account without any privilege (unlocking one's own second factor is not one). */
const SELF_SERVICE_ACTIONS: ReadonlySet<AccountAction> = new Set(["set-password", "manage-tokens", "end-sessions", "manage-tfa"]);

const USER_ADMIN_PATH = "/access/users";
const USER_ADMIN_PRIVILEGE = "Permissions.Modify";

/** Throws PermissionDeniedError unless `actor` may take `action` on `targetUserid`'s account. */
export function requireAuthorityOverAccount(config: AccessConfig, actor: AuthContext, targetUserid: string, action: AccountAction): void {
  // The local admin CLI runs with file access to the data dir; it could edit the store anyway.
  if (actor.via === "system") return;
  if (actor.tokenName !== null) {
    if (action === "set-password") throw new PermissionDeniedError("an API token cannot change passwords");
    if (actor.userid === targetUserid) {
      throw new PermissionDeniedError("an API token cannot act on its owner's account, password, tokens or sessions");
    }
  } else if (actor.userid === targetUserid && SELF_SERVICE_ACTIONS.has(action)) {
    return;
  }
  if (!computePrivileges(config, actor.authid, USER_ADMIN_PATH).has(USER_ADMIN_PRIVILEGE)) {
    throw new PermissionDeniedError();
  }
  if (actor.userid !== targetUserid && !holdsEveryPrivilegeOf(config, actor.authid, targetUserid)) {
    throw new PermissionDeniedError(
      `permission check failed: '${targetUserid}' holds privileges you do not hold, so you cannot change its account, credentials or tokens`,
    );
  }
}

/**
 * Whether `actor` holds, on every path, every privilege `target` holds there, and
 * propagates each one at least as far. Privileges at a path nobody named in the
 * ACL are those propagated from its deepest named ancestor, so comparing at the
 * paths of either party's entries (and `/`), propagate flags included, decides
 * every path. Only their own entries are looked at, so the cost does not grow
 * with other users' ACL entries beyond one pass.
 */
export function holdsEveryPrivilegeOf(config: AccessConfig, actorAuthid: string, targetUserid: string): boolean {
  const owner = actorAuthid.includes("!") ? actorAuthid.slice(0, actorAuthid.lastIndexOf("!")) : actorAuthid;
  const relevant = new Set([actorAuthid, owner, targetUserid]);
  const acl: AclEntry[] = config.acl.filter((entry) => relevant.has(entry.ugid));
  // Privileges are computed from the ACL alone: the maps are passed through unread,
  // so a layered snapshot's flat maps are not built for this (store/config-layers.ts).
  const narrowed: AccessConfig = {
    get users() {
      return config.users;
    },
    get tokens() {
      return config.tokens;
    },
    acl,
  };
  const paths = new Set(["/", ...acl.map((entry) => entry.path)]);
  for (const path of paths) {
    const held = computePrivileges(narrowed, actorAuthid, path);
    for (const [privilege, propagates] of computePrivileges(narrowed, targetUserid, path)) {
      const actorPropagates = held.get(privilege);
      if (actorPropagates === undefined || (propagates && !actorPropagates)) return false;
    }
  }
  return true;
}
