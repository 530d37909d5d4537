/** The ACL operations of the facade: reading and changing entries, and effective permissions (PBS's acl.rs and mod.rs). */
import { computePrivileges, isKnownAclPath, isRoleId, ROLES } from "./acl.js";
import { NO_ACCESS_ROLE } from "../core/roles.js";
import { listPermissionPaths } from "../core/permission-paths.js";
import { canSeePermissionsOf, isAclPathSelected, ownerOfTokenId, privilegesToRecord, requireAuthidExists } from "./config-queries.js";
import { readConfigListIndex } from "./config-index.js";
import { PermissionDeniedError } from "../core/errors.js";
import { isTokenAuthid } from "../core/ids.js";
import { invalidParameter, requireAclPath, requireAuthid } from "../core/input-rules.js";
import type { AccessConfig, AccessState, AclEntry, RoleId } from "../core/model.js";

import type { AclView, AuthContext, PermissionsView, UpdateAclInput } from "./types.js";

import type { AccessServices } from "./services.js";
import type { AuthorizedChanges } from "./authorize.js";

export class AclEntries {
  constructor(
    private readonly services: AccessServices,
    private readonly authorize: AuthorizedChanges,
  ) {}

  /**
   * Every entry for an auditor (Sys.Audit on `/access/acl`); anyone else gets 200
   * with only the entries of its own API tokens, and a token gets none, as PBS's
   * `read_acl` (src/api2/access/acl.rs) filters instead of refusing.
   */
  async readAcl(actor: AuthContext, opts: { path?: string; exact?: boolean }): Promise<{ data: AclView[]; digest: string }> {
    const path = opts.path === undefined ? undefined : requireAclPath(opts.path);
    const { config } = await this.services.readCurrentConfig();
    const digest = await this.authorize.digestFor(actor, config, "acl");
    const seesAll = this.authorize.hasActorPrivilege(actor, config, "/access/acl", "Sys.Audit");
    const isVisible = (entry: AclEntry) =>
      seesAll || (actor.tokenName === null && isTokenAuthid(entry.ugid) && ownerOfTokenId(entry.ugid) === actor.userid);
    const data = config.acl
      .filter((entry) => (path === undefined || isAclPathSelected(entry.path, path, opts.exact === true)) && isVisible(entry))
      .map((entry): AclView => ({ ...entry, ugid_type: "user" }));
    return { data, digest };
  }

  /**
   * Permissions.Modify on `/access/acl` sets any entry. Without it a user may set
   * entries for its own API tokens only (PBS `update_acl`), and, stricter than PBS,
   * only with a role whose every privilege the user itself holds on that path:
   * the token could not use more anyway (its privileges are intersected with its
   * owner's), and an entry that grants nothing usable only misleads a reader.
   */
  async updateAcl(actor: AuthContext, input: UpdateAclInput): Promise<void> {
    const path = requireAclPath(input.path);
    if (!isRoleId(input.role)) throw invalidParameter("role", "unknown role");
    const role = input.role;
    const ugid = requireAuthid(input.authId);
    const propagate = input.propagate ?? true;
    const removing = input.delete === true;
    // PBS checks the path's structure only when adding, so an entry on a path it no longer accepts can still be removed.
    if (!removing && !isKnownAclPath(path)) throw invalidParameter("path", `invalid acl path '${path}'.`);
    const requireAccess = (config: AccessConfig) => this.requireAclUpdateAccess(actor, config, path, ugid, role, removing);
    requireAccess((await this.services.readCurrentConfig()).config);
    const changeAcl = (state: AccessState): void => {
      if (removing) {
        // Removing an entry that is already gone leaves nothing to do, as in PBS.
        state.config.acl = state.config.acl.filter((entry) => !(entry.path === path && entry.ugid === ugid && entry.roleid === role));
        return;
      }
      requireAuthidExists(state.config, ugid);
      state.config.acl = insertAclRole(state.config.acl, { path, ugid, roleid: role, propagate });
    };
    // Removing or overriding (NoAccess) the last superuser's entry on `/` is refused.
    const detail = `${removing ? "remove" : "add"} ${role} for ${ugid}${removing || propagate ? "" : " (no propagate)"}`;
    await this.authorize.mutateWithAclDigest(
      input.digest,
      (state) => {
        requireAccess(state.config);
        this.authorize.changeKeepingSuperuser(state, changeAcl);
      },
      actor,
      [this.services.audit.event(actor, "acl.update", path, detail)],
    );
  }

  private requireAclUpdateAccess(
    actor: AuthContext,
    config: AccessConfig,
    path: string,
    ugid: string,
    role: RoleId,
    removing: boolean,
  ): void {
    if (this.authorize.hasActorPrivilege(actor, config, "/access/acl", "Permissions.Modify")) return;
    // PBS's messages for these refusals (src/api2/access/acl.rs); PBS answers 400, we answer 403.
    if (actor.tokenName !== null) throw new PermissionDeniedError("Unprivileged API tokens can't set ACL items.");
    if (!isTokenAuthid(ugid)) throw new PermissionDeniedError("Unprivileged users can only set ACL items for API tokens.");
    if (ownerOfTokenId(ugid) !== actor.userid) {
      throw new PermissionDeniedError("Unprivileged users can only set ACL items for their own API tokens.");
    }
    if (removing) return;
    const held = computePrivileges(config, actor.authid, path);
    const missing = ROLES[role].filter((privilege) => !held.has(privilege));
    if (missing.length > 0) {
      throw new PermissionDeniedError(`role '${role}' needs ${missing.join(", ")} on '${path}', which you do not hold`);
    }
  }

  /**
   * Effective privileges of `authId` (default: the actor) on `path`, or by default
   * on every ACL path, every path above one, and `/`, `/access`, `/datastore`,
   * `/remote` and `/system`. A path where it holds nothing is left out, even when
   * asked for: PBS's `list_permissions` (src/api2/access/mod.rs) does not leak paths.
   */
  async readPermissions(actor: AuthContext, opts: { authId?: string; path?: string }): Promise<PermissionsView> {
    const path = opts.path === undefined ? undefined : requireAclPath(opts.path);
    const authid = opts.authId === undefined ? actor.authid : requireAuthid(opts.authId);
    const { config } = await this.services.readCurrentConfig();
    if (!canSeePermissionsOf(actor, authid)) this.authorize.requirePrivilege(actor, config, "/access", "Sys.Audit");
    if (actor.via !== "system" || authid !== actor.authid) requireAuthidExists(config, authid);
    const paths = path === undefined ? listPermissionPaths((await readConfigListIndex(config)).aclPaths) : [path];
    const view: PermissionsView = {};
    for (const p of paths) {
      const privileges = privilegesToRecord(computePrivileges(config, authid, p));
      if (Object.keys(privileges).length > 0) view[p] = privileges;
    }
    return view;
  }
}

/**
 * Adds or updates one role of one ugid on one path, as PBS's `insert_user_role`
 * (pbs-config/src/acl.rs): NoAccess replaces every other role of that ugid on the
 * path, and any other role replaces a NoAccess there.
 */
function insertAclRole(acl: readonly AclEntry[], added: AclEntry): AclEntry[] {
  const isNoAccess = added.roleid === NO_ACCESS_ROLE;
  const kept = acl.filter((entry) => {
    if (entry.path !== added.path || entry.ugid !== added.ugid) return true;
    if (isNoAccess) return false;
    return entry.roleid !== NO_ACCESS_ROLE && entry.roleid !== added.roleid;
  });
  const existingIndex = acl.findIndex((entry) => entry.path === added.path && entry.ugid === added.ugid && entry.roleid === added.roleid);
  if (existingIndex >= 0 && kept.length === acl.length - 1) {
    // Updating the propagate flag of an entry keeps its place in the list.
    const updated = [...acl];
    updated[existingIndex] = added;
    return updated;
  }
  return [...kept, added];
}
