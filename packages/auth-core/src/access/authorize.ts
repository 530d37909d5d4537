/**
 * The checks before a change and again under the store lock: privileges on a path,
 * authority over an account, the optimistic digests, and the last superuser. Every
 * mutation of the facade runs through one of these.
 */
import { hasPrivilege } from "./acl.js";
import { requireAuthorityOverAccount } from "./account-authority.js";
import type { AccountAction } from "./account-authority.js";
import type { Privilege } from "./acl.js";
import { nowEpochSeconds } from "../core/clock.js";
import { computeConfigPartDigestInSlices, computeOwnViewDigest, isSameConfigPart, type ConfigPart } from "./config-digests.js";
import { ConflictError, PermissionDeniedError } from "../core/errors.js";
import { listSuperusers, requireSuperuserRemains } from "./last-superuser.js";
import type { AccessConfig, AccessState } from "../core/model.js";
import type { StoreVersions } from "../store/store.js";
import type { AuditEvent } from "../core/audit.js";

import type { AuthContext } from "./types.js";

import type { AccessServices } from "./services.js";

const DIGEST_CONFLICT_MESSAGE = "detected modified configuration - file changed by other user? Try again.";

export class AuthorizedChanges {
  constructor(private readonly services: AccessServices) {}

  /**
   * Runs `change` under the store lock after an optimistic check of the users
   * digest (users and tokens, PBS's user.cfg). The digest is compared with the
   * config as read now, and under the lock that part must still equal that read,
   * so an edit in between is a conflict too. Returns the store's versions right
   * after the change, read under its lock.
   */
  mutateWithDigest(
    digest: string | undefined,
    change: (state: AccessState) => void,
    actor?: AuthContext,
    audit?: readonly AuditEvent[],
  ): Promise<StoreVersions> {
    return this.mutateWithPartDigest("users", digest, change, actor, audit);
  }

  /** mutateWithDigest for the ACL's own digest (PBS's acl.cfg). */
  mutateWithAclDigest(
    digest: string | undefined,
    change: (state: AccessState) => void,
    actor?: AuthContext,
    audit?: readonly AuditEvent[],
  ): Promise<StoreVersions> {
    return this.mutateWithPartDigest("acl", digest, change, actor, audit);
  }

  /** `audit` holds the records the store writes with the change (decision 030). */
  private async mutateWithPartDigest(
    part: ConfigPart,
    digest: string | undefined,
    change: (state: AccessState) => void,
    actor?: AuthContext,
    audit?: readonly AuditEvent[],
  ): Promise<StoreVersions> {
    const expected = digest === undefined ? null : await this.readConfigWithDigest(digest, part, actor);
    const { versions } = await this.services.store.mutate(
      (state) => {
        if (expected !== null && !expected.isUnchangedIn(state.config)) throw new ConflictError(DIGEST_CONFLICT_MESSAGE);
        change(state);
      },
      audit === undefined ? undefined : { audit },
    );
    return versions;
  }

  /** A mutation that needs one privilege, checked before and again under the lock against the config it changes. */
  async mutateAsActor(
    actor: AuthContext,
    path: string,
    privilege: Privilege,
    digest: string | undefined,
    change: (state: AccessState) => void,
    audit?: readonly AuditEvent[],
  ): Promise<void> {
    await this.requireActorPrivilege(actor, path, privilege);
    await this.mutateWithDigest(
      digest,
      (state) => {
        this.requirePrivilege(actor, state.config, path, privilege);
        change(state);
      },
      actor,
      audit,
    );
  }

  /**
   * Checks a digest against the config as read now: the whole part's digest, or
   * the actor's own view of it (what digestFor gave a caller who sees only that).
   * Returns the check to repeat under the lock against the config being changed.
   */
  private async readConfigWithDigest(
    digest: string,
    part: ConfigPart,
    actor: AuthContext | undefined,
  ): Promise<{ isUnchangedIn(config: AccessConfig): boolean }> {
    const { config } = await this.services.readCurrentConfig();
    const given = digest.toLowerCase();
    if ((await computeConfigPartDigestInSlices(config, part)) === given) {
      return { isUnchangedIn: (current) => isSameConfigPart(current, config, part) };
    }
    if (actor !== undefined && computeOwnViewDigest(config, part, actor.userid) === given) {
      return { isUnchangedIn: (current) => computeOwnViewDigest(current, part, actor.userid) === given };
    }
    throw new ConflictError(DIGEST_CONFLICT_MESSAGE);
  }

  /**
   * The digest a read returns: the whole part's for whoever may see all of it
   * (Sys.Audit on `/access/users`, or on `/access/acl`), as PBS; anyone else gets
   * the digest of its own view, never one over other users' records (finding 10).
   * The whole part's digest is computed in slices: at 100,000 tokens it is about
   * 400 ms of work, once per snapshot, that must not hold the event loop.
   */
  async digestFor(actor: AuthContext, config: AccessConfig, part: ConfigPart): Promise<string> {
    const auditPath = part === "users" ? "/access/users" : "/access/acl";
    if (this.hasActorPrivilege(actor, config, auditPath, "Sys.Audit")) return computeConfigPartDigestInSlices(config, part);
    return computeOwnViewDigest(config, part, actor.userid);
  }

  hasActorPrivilege(actor: AuthContext, config: AccessConfig, path: string, privilege: Privilege): boolean {
    return actor.via === "system" || hasPrivilege(config, actor.authid, path, privilege);
  }

  requirePrivilege(actor: AuthContext, config: AccessConfig, path: string, privilege: Privilege): void {
    if (!this.hasActorPrivilege(actor, config, path, privilege)) throw new PermissionDeniedError();
  }

  async requireActorPrivilege(actor: AuthContext, path: string, privilege: Privilege): Promise<void> {
    this.requirePrivilege(actor, (await this.services.readCurrentConfig()).config, path, privilege);
  }

  /** Reading tokens: one's own user, or Sys.Audit on `/access/users` for anyone else's. */
  requireTokenReadAccess(actor: AuthContext, config: AccessConfig, userid: string): void {
    if (actor.userid !== userid) this.requirePrivilege(actor, config, "/access/users", "Sys.Audit");
  }

  /** Checked before any hash is paid for; the mutation checks again under the lock. */
  async requireAccountAuthority(actor: AuthContext, userid: string, action: AccountAction): Promise<void> {
    requireAuthorityOverAccount((await this.services.readCurrentConfig()).config, actor, userid, action);
  }

  /**
   * A change to one user's account: the authority rule is checked again under the
   * lock against the config it changes, and the change may not remove the last
   * active superuser.
   */
  mutateAccount(
    actor: AuthContext,
    userid: string,
    action: AccountAction,
    digest: string | undefined,
    change: (state: AccessState) => void,
    audit?: readonly AuditEvent[],
  ): Promise<StoreVersions> {
    return this.mutateWithDigest(
      digest,
      (state) => {
        requireAuthorityOverAccount(state.config, actor, userid, action);
        this.changeKeepingSuperuser(state, change);
      },
      actor,
      audit,
    );
  }

  /** Runs `change`, then refuses it if it took away the last active superuser. */
  changeKeepingSuperuser(state: AccessState, change: (state: AccessState) => void): void {
    const nowS = nowEpochSeconds(this.services.clock);
    const before = listSuperusers(state.config, nowS);
    change(state);
    requireSuperuserRemains(before, state.config, nowS);
  }
}
