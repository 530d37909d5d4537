/** The user operations of the facade: the initial admin, listings, create, update, delete, passwords, sessions. */
import { randomBytes } from "node:crypto";
import { nowEpochSeconds } from "../core/clock.js";
import {
  deleteTokenFromState,
  ownerOfTokenId,
  ownerOfUgid,
  requireUser,
  sessionsEndedAt,
  toTokenView,
  toUserView,
} from "./config-queries.js";
import { readConfigListIndex } from "./config-index.js";
import { mapInSlices } from "../guard/cooperative.js";
import { ConflictError } from "../core/errors.js";
import {
  invalidParameter,
  requireDeletable,
  requireExpire,
  requirePassword,
  requireTextFields,
  requireUserid,
  USER_TEXT_FIELDS,
} from "../core/input-rules.js";
import { isExtendedListQuery, requireListQuery, selectUsers, USER_SORT_KEYS } from "./listing.js";
import type { UserListQuery } from "./listing.js";
import type { UserRecord } from "../core/model.js";
import type { TwoFactor } from "../tfa/two-factor.js";
import { describeUserUpdate } from "./access-audit.js";

import type { AuthContext, CreateUserInput, UpdateUserInput, UserView } from "./types.js";
import { SYSTEM_ACTOR } from "./types.js";

import type { AccessServices } from "./services.js";
import { BUILTIN_REALM } from "./services.js";
import type { AuthorizedChanges } from "./authorize.js";
import { EMPTY_LAST_USES, filterUnused, toExtendedUserView, toTokenListRow } from "./views.js";

const INITIAL_ADMIN = "admin@pbs";

/** 24 random bytes give 32 base64url characters: the generated first-start password. */
const GENERATED_PASSWORD_BYTES = 24;

export class Users {
  constructor(
    private readonly services: AccessServices,
    private readonly authorize: AuthorizedChanges,
    private readonly twoFactor: TwoFactor,
  ) {}

  /**
   * Creates `admin@pbs` with the Admin role on `/` when the store has no users.
   * Returns the password used, or null when the store was already initialised.
   */
  async ensureInitialAdmin(password?: string): Promise<{ userid: string; password: string; generated: boolean } | null> {
    if (password !== undefined) requirePassword(password);
    // Cheap early exit so that restarts do not pay for a hash they will not use.
    if (Object.keys((await this.services.readCurrentConfig()).config.users).length > 0) return null;
    const generated = password === undefined;
    const chosen = password ?? randomBytes(GENERATED_PASSWORD_BYTES).toString("base64url");
    const hash = await this.services.hashGate.run(null, () => this.services.hasher.hash(chosen));
    // Decided under the store lock: of several processes starting at once, exactly one creates the admin.
    const { result: created } = await this.services.store.mutate(
      (state) => {
        if (Object.keys(state.config.users).length > 0) return false;
        state.config.users[INITIAL_ADMIN] = {
          userid: INITIAL_ADMIN,
          enable: true,
          expire: 0,
          created: nowEpochSeconds(this.services.clock),
        };
        state.passwordHashes[INITIAL_ADMIN] = hash;
        state.config.acl.push({ path: "/", ugid: INITIAL_ADMIN, roleid: "Admin", propagate: true });
        return true;
      },
      { audit: [this.services.audit.event(SYSTEM_ACTOR, "user.create", INITIAL_ADMIN, "initial admin")] },
    );
    return created ? { userid: INITIAL_ADMIN, password: chosen, generated } : null;
  }

  /**
   * PBS's user listing. With any `query` parameter (a Gatehouse extension) it is
   * filtered, sorted and paged, its token rows carry `status`, and a `limit` adds
   * the count of every matching user as `total`. O(n log n), in slices that give
   * the event loop back.
   */
  async listUsers(
    actor: AuthContext,
    opts: { includeTokens?: boolean; query?: UserListQuery; unusedForDays?: number },
  ): Promise<{ data: UserView[]; digest: string; total?: number }> {
    const query = requireListQuery(opts.query ?? {}, USER_SORT_KEYS);
    const extended = isExtendedListQuery(query) || opts.unusedForDays !== undefined;
    const { config } = await this.services.readCurrentConfig();
    const digest = await this.authorize.digestFor(actor, config, "users");
    const index = await readConfigListIndex(config);
    const seesEveryone = this.authorize.hasActorPrivilege(actor, config, "/access/users", "Sys.Audit");
    const visible = seesEveryone ? index.users : index.users.filter((user) => user.userid === actor.userid);
    const nowS = nowEpochSeconds(this.services.clock);
    const lastUses = extended ? await this.services.readLastUses() : EMPTY_LAST_USES;
    const unused =
      opts.unusedForDays === undefined ? visible : await filterUnused(visible, (u) => u.userid, lastUses, opts.unusedForDays, nowS);
    const { rows, total } = await selectUsers(unused, query);
    const data = await mapInSlices(rows, (user): UserView => {
      const view: UserView = extended ? toExtendedUserView(user, lastUses) : toUserView(user);
      if (opts.includeTokens === true) {
        const tokens = index.tokensByOwner.get(user.userid) ?? [];
        view.tokens = extended ? tokens.map((token) => toTokenListRow(config, token, nowS, lastUses)) : tokens.map(toTokenView);
      }
      return view;
    });
    return query.limit === undefined ? { data, digest } : { data, digest, total };
  }

  /**
   * One user, with the extension fields `created`, `last-used` and
   * `last-used-source` (issue 14, decision 033): a single read has no paging
   * parameter to opt in with, and PBS clients ignore fields they do not know.
   */
  async readUser(actor: AuthContext, userid: string): Promise<{ data: UserView; digest: string }> {
    const id = requireUserid(userid).userid;
    const { config } = await this.services.readCurrentConfig();
    const digest = await this.authorize.digestFor(actor, config, "users");
    if (actor.userid !== id) this.authorize.requirePrivilege(actor, config, "/access/users", "Sys.Audit");
    const user = requireUser(config, id);
    return { data: toExtendedUserView(user, await this.services.readLastUses()), digest };
  }

  async createUser(actor: AuthContext, input: CreateUserInput): Promise<void> {
    const { userid: id, realm } = requireUserid(input.userid);
    if (realm !== BUILTIN_REALM) throw invalidParameter("userid", `only the '${BUILTIN_REALM}' realm is supported`);
    const record: UserRecord = {
      userid: id,
      enable: input.enable ?? true,
      expire: input.expire === undefined ? 0 : requireExpire(input.expire),
      ...requireTextFields(input, USER_TEXT_FIELDS),
      // A ticket of an earlier user of the same name must not come back to life (finding 7).
      // Tickets of an earlier user of the same name, from earlier seconds, stay dead.
      ticketsNotBefore: nowEpochSeconds(this.services.clock),
      created: nowEpochSeconds(this.services.clock),
    };
    // Checked before the hash so that a caller without the right cannot make us pay for one.
    await this.authorize.requireActorPrivilege(actor, "/access/users", "Permissions.Modify");
    const passwordHash = input.password === undefined ? undefined : await this.services.hashPassword(actor, input.password);
    const audit = [this.services.audit.event(actor, "user.create", id, passwordHash === undefined ? undefined : "with password")];
    await this.authorize.mutateAsActor(
      actor,
      "/access/users",
      "Permissions.Modify",
      undefined,
      (state) => {
        if (Object.hasOwn(state.config.users, id)) throw new ConflictError(`user '${id}' already exists`);
        state.config.users[id] = record;
        if (passwordHash !== undefined) state.passwordHashes[id] = passwordHash;
      },
      audit,
    );
  }

  async updateUser(actor: AuthContext, userid: string, input: UpdateUserInput): Promise<void> {
    const id = requireUserid(userid).userid;
    const expire = input.expire === undefined ? undefined : requireExpire(input.expire);
    const text = requireTextFields(input, USER_TEXT_FIELDS);
    const cleared = requireDeletable(input.delete, USER_TEXT_FIELDS);
    const audit = describeUserUpdate(this.services.audit, actor, id, input);
    if (isOwnProfileEdit(actor, id, input)) {
      await this.authorize.mutateWithDigest(
        input.digest,
        (state) => {
          const user = requireUser(state.config, id);
          for (const field of cleared) delete user[field];
          Object.assign(user, text);
        },
        actor,
        audit,
      );
      return;
    }
    // Checked before the hash so that a caller without the right cannot make us pay for one.
    await this.authorize.requireAccountAuthority(actor, id, "update");
    const passwordHash = input.password === undefined ? undefined : await this.services.hashPassword(actor, input.password);
    await this.authorize.mutateAccount(
      actor,
      id,
      "update",
      input.digest,
      (state) => {
        const user = requireUser(state.config, id);
        if (input.enable !== undefined) user.enable = input.enable;
        if (expire !== undefined) user.expire = expire;
        for (const field of cleared) delete user[field];
        Object.assign(user, text);
        if (passwordHash !== undefined) state.passwordHashes[id] = passwordHash;
        // A new password or a disable ends every session; enabling again does not revive them.
        if (passwordHash !== undefined || input.enable === false)
          user.ticketsNotBefore = sessionsEndedAt(nowEpochSeconds(this.services.clock));
      },
      audit,
    );
  }

  /** Also deletes the user's tokens and every ACL entry naming the user or its tokens. */
  async deleteUser(actor: AuthContext, userid: string, digest?: string): Promise<void> {
    const id = requireUserid(userid).userid;
    await this.authorize.requireAccountAuthority(actor, id, "delete");
    await this.authorize.mutateAccount(
      actor,
      id,
      "delete",
      digest,
      (state) => {
        requireUser(state.config, id);
        delete state.config.users[id];
        delete state.passwordHashes[id];
        for (const tokenid of Object.keys(state.config.tokens)) {
          if (ownerOfTokenId(tokenid) === id) deleteTokenFromState(state, tokenid);
        }
        state.config.acl = state.config.acl.filter((entry) => ownerOfUgid(entry.ugid) !== id);
      },
      [this.services.audit.event(actor, "user.delete", id)],
    );
    // PBS drops the user's second factors with the user. The user is gone either way;
    // should this fail, a user of the same name created later would be asked for the
    // old factors (harder to log in, never easier) until an admin removes them.
    await this.twoFactor.removeUser(id).catch(() => undefined);
  }

  async setPassword(actor: AuthContext, userid: string, password: string): Promise<void> {
    const id = requireUserid(userid).userid;
    requirePassword(password);
    // Refused before the hash, so a caller without the right cannot make us pay for one.
    await this.authorize.requireAccountAuthority(actor, id, "set-password");
    const hash = await this.services.hashPassword(actor, password);
    await this.authorize.mutateAccount(
      actor,
      id,
      "set-password",
      undefined,
      (state) => {
        requireUser(state.config, id).ticketsNotBefore = sessionsEndedAt(nowEpochSeconds(this.services.clock));
        state.passwordHashes[id] = hash;
      },
      [this.services.audit.event(actor, "user.password", id)],
    );
  }

  /**
   * "End all sessions": every ticket of the user issued before now is refused from
   * the next request on, in every process and node (the config generation carries
   * it, I5). Tokens are not sessions and keep working.
   */
  async endSessions(actor: AuthContext, userid: string): Promise<void> {
    const id = requireUserid(userid).userid;
    await this.authorize.requireAccountAuthority(actor, id, "end-sessions");
    await this.authorize.mutateAccount(
      actor,
      id,
      "end-sessions",
      undefined,
      (state) => {
        requireUser(state.config, id).ticketsNotBefore = sessionsEndedAt(nowEpochSeconds(this.services.clock));
      },
      [this.services.audit.event(actor, "user.end-sessions", id)],
    );
  }
}

/**
 * PBS lets a user update its own record (`Permission::UserParam`, src/api2/access/user.rs).
 * Gatehouse allows the profile part of that without any privilege: comment, names
 * and email. Enable, expire and the password stay with user admins (the password has
 * its own confirmed route), and a token never edits its owner: a user must not
 * extend its own expiry or re-enable itself (docs/SECURITY.md).
 */
function isOwnProfileEdit(actor: AuthContext, userid: string, input: UpdateUserInput): boolean {
  return (
    actor.via !== "system" &&
    actor.tokenName === null &&
    actor.userid === userid &&
    input.enable === undefined &&
    input.expire === undefined &&
    input.password === undefined
  );
}
