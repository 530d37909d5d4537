/**
 * The server-side guard against locking everyone out (issues 15 and 18): no change
 * may leave the store without an active user holding Permissions.Modify on `/`
 * when it had one before. Disabling, expiring or deleting that user, or removing
 * its ACL entry, is refused with a clear 409 instead. A store that already has no
 * such user (a hand edit) does not block unrelated changes.
 */
import { computePrivileges } from "./acl.js";
import { isUserActive } from "./config-queries.js";
import { ConflictError } from "../core/errors.js";
import { isTokenAuthid } from "../core/ids.js";
import type { AccessConfig } from "../core/model.js";

const ROOT_PATH = "/";
const SUPERUSER_PRIVILEGE = "Permissions.Modify";

/**
 * Active users holding Permissions.Modify on `/`. Privileges on `/` come only from
 * entries on `/`, so only their subjects are candidates: one pass over the ACL,
 * not one per user.
 */
export function listSuperusers(config: AccessConfig, nowS: number): string[] {
  const rootEntries = config.acl.filter((entry) => entry.path === ROOT_PATH && !isTokenAuthid(entry.ugid));
  const narrowed: AccessConfig = { users: config.users, tokens: config.tokens, acl: rootEntries };
  const candidates = new Set(rootEntries.map((entry) => entry.ugid));
  return [...candidates].filter(
    (userid) => isUserActive(config, userid, nowS) && computePrivileges(narrowed, userid, ROOT_PATH).has(SUPERUSER_PRIVILEGE),
  );
}

/**
 * Throws ConflictError when `after` has no active superuser although `before`
 * (the superusers of the config before the change) named at least one.
 */
export function requireSuperuserRemains(before: readonly string[], after: AccessConfig, nowS: number): void {
  if (before.length === 0 || listSuperusers(after, nowS).length > 0) return;
  throw new ConflictError(
    `refused: this would leave no enabled user with Permissions.Modify on '/' (${before.join(", ")} would be the last); ` +
      "grant another user the Admin role on '/' first",
  );
}
