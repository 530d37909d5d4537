/**
 * Second factors the PBS way (proxmox-tfa src/api/mod.rs and methods.rs,
 * proxmox-backup src/api2/access/tfa.rs): the login challenge and its answer, the
 * lockout, and the `/access/tfa` API. AccessControl owns one and hands it the
 * config reads and password confirmation it needs; everything that decides a
 * second factor is here or in the two modules this facade delegates to:
 * second-step.ts (checking an answer, the lockout accounting) and enrolment.ts
 * (adding a factor).
 */
import type { KeyObject } from "node:crypto";
import type { AuthContext } from "../access/types.js";
import { requireAuthorityOverAccount } from "../access/account-authority.js";
import { hasPrivilege } from "../access/acl.js";
import { nowEpochSeconds, type Clock } from "../core/clock.js";
import { NotFoundError, PermissionDeniedError } from "../core/errors.js";
import { invalidParameter, requireUserid } from "../core/input-rules.js";
import type { AccessConfig } from "../core/model.js";
import { addRecovery, addTotp, finishWebauthn, startWebauthn, type TfaUpdateInfo } from "./enrolment.js";
import { createPartialTicket, verifyPartialTicket, type TfaChallenge } from "./partial-ticket.js";
import { availableRecoveryIndices } from "./recovery-keys.js";
import { rememberChallenge, verifySecondStepResponse, type SecondFactorOutcome, type TfaFactorContext } from "./second-step.js";
import { hasAnySecondFactor, isTfaLocked, type TfaUserData } from "./tfa-model.js";
import type { TfaStore } from "./tfa-store.js";
import { startWebauthnAuthentication, type WebauthnSettings } from "./webauthn.js";

export { MAX_ENTRIES_PER_KIND, type TfaUpdateInfo } from "./enrolment.js";
export {
  TFA_FAILURE_LIMIT,
  TFA_LOCK_TIME_S,
  TOTP_FAILURE_LIMIT,
  WEBAUTHN_CHALLENGE_TTL_S,
  type SecondFactorOutcome,
} from "./second-step.js";

const DESCRIPTION_MAX_LENGTH = 255;

export type TfaType = "totp" | "webauthn" | "recovery" | "u2f" | "yubico";

/** PBS's `TypedTfaInfo`, plus `available` (unused keys) on the recovery entry. */
export interface TfaEntryView {
  type: TfaType;
  id: string;
  description?: string;
  created: number;
  enable?: false;
  /** Gatehouse: how many recovery keys are left. */
  available?: number;
}

/** PBS's `TfaUser`. */
export interface TfaUserView {
  userid: string;
  entries: TfaEntryView[];
  "totp-locked"?: true;
  "tfa-locked-until"?: number;
}

export interface AddTfaInput {
  type: TfaType;
  description?: string;
  totp?: string;
  value?: string;
  challenge?: string;
  password?: string;
}

export interface UpdateTfaInput {
  description?: string;
  enable?: boolean;
  password?: string;
}

/** What TwoFactor needs from AccessControl. */
export interface TwoFactorHost {
  readConfig(): Promise<AccessConfig>;
  /** PBS's `user_update_auth`: the caller's own password, throttled like a login. */
  confirmActorPassword(actor: AuthContext, password: string | undefined, source?: string): Promise<void>;
  /** The project's slow hash (argon2id), for recovery keys. */
  hashSecret: (plain: string) => Promise<string>;
  /** Its verification, through the bounded hash gate. */
  verifySecret: (hash: string, plain: string) => Promise<boolean>;
}

export interface TwoFactorOptions {
  store: TfaStore;
  clock: Clock;
  webauthn: WebauthnSettings;
  ticketPrivateKey: KeyObject;
  ticketPublicKey: KeyObject;
  host: TwoFactorHost;
}

export class TwoFactor {
  readonly webauthnSettings: WebauthnSettings;
  private readonly store: TfaStore;
  private readonly clock: Clock;
  private readonly host: TwoFactorHost;
  private readonly factors: TfaFactorContext;

  constructor(private readonly options: TwoFactorOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.host = options.host;
    this.webauthnSettings = options.webauthn;
    this.factors = { store: options.store, clock: options.clock, webauthnSettings: options.webauthn };
  }

  // --- login ------------------------------------------------------------------

  /**
   * After a good password: the partial ticket carrying the user's challenge, or
   * null when the user has no second factor (or every one is disabled and there
   * are no recovery keys, as PBS decides). `ticketTimeS` dates the partial ticket,
   * as a full one is dated (access/config-queries.ts, ticketTimeFor).
   */
  async createLoginChallenge(userid: string, ticketTimeS = this.nowS()): Promise<{ ticket: string; challenge: TfaChallenge } | null> {
    const data = await this.store.readUser(userid);
    if (data === undefined || !hasAnySecondFactor(data)) return null;
    const challenge: TfaChallenge = {};
    if (data.totp.some((entry) => entry.enable)) challenge.totp = true;
    if (data.recovery !== undefined) challenge.recovery = availableRecoveryIndices(data.recovery);
    const webauthnEntries = data.webauthn.filter((entry) => entry.enable);
    if (webauthnEntries.length > 0) {
      const publicKey = await startWebauthnAuthentication(this.webauthnSettings, webauthnEntries);
      const nowS = this.nowS();
      await this.store.updateUser(userid, nowS, (draft) => {
        rememberChallenge(draft, { kind: "webauthn-login", challenge: publicKey.challenge, created: nowS }, nowS);
      });
      challenge.webauthn = { publicKey };
    }
    if (challenge.totp === undefined && challenge.recovery === undefined && challenge.webauthn === undefined) return null;
    return { ticket: createPartialTicket(userid, challenge, this.options.ticketPrivateKey, ticketTimeS), challenge };
  }

  /**
   * The second step: `partialTicket` must be this user's and current, and
   * `response` one of `totp:<code>`, `recovery:<key>`, `webauthn:<json>`.
   * A malformed answer is refused without counting (as PBS, which fails to parse
   * it before verifying); everything else counts towards the lockout.
   */
  async verifySecondFactor(userid: string, partialTicket: string, response: string): Promise<SecondFactorOutcome> {
    const verified = verifyPartialTicket(partialTicket, userid, this.options.ticketPublicKey, this.nowS());
    if (verified === null) return { ok: false, reason: "invalid" };
    const verdict = await verifySecondStepResponse(this.factors, this.host.verifySecret, userid, verified.challenge, response);
    if (verdict === "success") return { ok: true, issuedAt: verified.issuedAt };
    return { ok: false, reason: verdict === "locked" ? "locked" : verdict === "invalid" ? "invalid" : "failed" };
  }

  // --- API ----------------------------------------------------------------------

  /** GET /access/tfa: everyone's with Sys.Audit on /access/users, else the caller's own. */
  async listAll(actor: AuthContext): Promise<TfaUserView[]> {
    const config = await this.host.readConfig();
    const nowS = this.nowS();
    if (actor.via === "system" || hasPrivilege(config, actor.authid, "/access/users", "Sys.Audit")) {
      const all = await this.store.readAll();
      return Object.keys(all)
        .sort()
        .flatMap((userid) => {
          const data = all[userid];
          return data === undefined ? [] : toUserView(userid, data, nowS);
        });
    }
    const own = await this.store.readUser(actor.userid);
    return own === undefined ? [] : toUserView(actor.userid, own, nowS);
  }

  /** GET /access/tfa/{userid}. */
  async listUser(actor: AuthContext, userid: string): Promise<TfaEntryView[]> {
    const id = requireUserid(userid).userid;
    await this.requireReadAccess(actor, id);
    const data = await this.store.readUser(id);
    return data === undefined ? [] : toEntryViews(data);
  }

  /** GET /access/tfa/{userid}/{id}. */
  async readEntry(actor: AuthContext, userid: string, entryId: string): Promise<TfaEntryView> {
    const id = requireUserid(userid).userid;
    await this.requireReadAccess(actor, id);
    const data = await this.store.readUser(id);
    const view = data === undefined ? undefined : toEntryViews(data).find((entry) => entry.id === entryId);
    if (view === undefined) throw new NotFoundError(`no such tfa entry: ${id}/${entryId}`);
    return view;
  }

  /** POST /access/tfa/{userid}. */
  async addEntry(actor: AuthContext, userid: string, input: AddTfaInput, source?: string): Promise<TfaUpdateInfo> {
    const id = await this.requireManageAccess(actor, userid, input.password, source);
    const description = input.description === undefined ? undefined : requireDescription(input.description);
    switch (input.type) {
      case "totp":
        return addTotp(this.factors, id, description, input);
      case "recovery":
        if (input.totp !== undefined || input.value !== undefined || input.challenge !== undefined) {
          throw invalidParameter("type", "generating recovery keys does not allow additional parameters");
        }
        return addRecovery(this.factors, this.host.hashSecret, id);
      case "webauthn":
        if (input.totp !== undefined) throw invalidParameter("totp", "'totp' parameter is invalid for 'webauthn' entries");
        return input.challenge === undefined
          ? startWebauthn(this.factors, id, description)
          : finishWebauthn(this.factors, id, input.challenge, input.value);
      case "u2f":
      case "yubico":
        throw invalidParameter("type", `${input.type} is not supported by this server; use webauthn or totp`);
    }
  }

  /** PUT /access/tfa/{userid}/{id}: description and enable. */
  async updateEntry(actor: AuthContext, userid: string, entryId: string, input: UpdateTfaInput, source?: string): Promise<void> {
    const id = await this.requireManageAccess(actor, userid, input.password, source);
    const description = input.description === undefined ? undefined : requireDescription(input.description);
    const found = await this.store.updateUser(id, this.nowS(), (data) => {
      const entry = [...data.totp, ...data.webauthn].find((candidate) => candidate.id === entryId);
      if (entry === undefined) return false;
      if (description !== undefined) entry.description = description;
      if (input.enable !== undefined) entry.enable = input.enable;
      return true;
    });
    if (!found) throw new NotFoundError(`no such entry: ${id}/${entryId}`);
  }

  /** DELETE /access/tfa/{userid}/{id}. */
  async deleteEntry(actor: AuthContext, userid: string, entryId: string, password: string | undefined, source?: string): Promise<void> {
    const id = await this.requireManageAccess(actor, userid, password, source);
    const found = await this.store.updateUser(id, this.nowS(), (data) => {
      if (entryId === "recovery") {
        if (data.recovery === undefined) return false;
        delete data.recovery;
        return true;
      }
      const before = data.totp.length + data.webauthn.length;
      data.totp = data.totp.filter((entry) => entry.id !== entryId);
      data.webauthn = data.webauthn.filter((entry) => entry.id !== entryId);
      return data.totp.length + data.webauthn.length < before;
    });
    if (!found) throw new NotFoundError(`no such tfa entry: ${id}/${entryId}`);
  }

  /** PUT /access/users/{userid}/unlock-tfa: whether the user was locked out of any second factor. */
  async unlock(actor: AuthContext, userid: string): Promise<boolean> {
    const id = requireUserid(userid).userid;
    const config = await this.host.readConfig();
    if (config.users[id] === undefined) throw new NotFoundError(`no such user '${id}'`);
    requireAuthorityOverAccount(config, actor, id, "unlock-tfa");
    const nowS = this.nowS();
    return this.store.updateUser(id, nowS, (data) => {
      const wasLocked = data["totp-locked"] || isTfaLocked(data, nowS);
      data["totp-locked"] = false;
      delete data["tfa-locked-until"];
      data["totp-failures"] = 0;
      data["tfa-failures"] = 0;
      return wasLocked;
    });
  }

  /** The user was deleted: a new user of the same name must not inherit its factors or locks. */
  removeUser(userid: string): Promise<void> {
    return this.store.removeUser(userid);
  }

  // --- access -------------------------------------------------------------------------

  /** PBS: Permissions.Modify on /access/users, or the user's own entries. */
  private async requireReadAccess(actor: AuthContext, userid: string): Promise<void> {
    if (actor.via === "system" || actor.userid === userid) return;
    const config = await this.host.readConfig();
    if (!hasPrivilege(config, actor.authid, "/access/users", "Permissions.Modify")) throw new PermissionDeniedError();
  }

  /**
   * Adding, changing or removing a factor: the account-authority rule (one's own,
   * or Permissions.Modify over a user whose privileges one holds), never through an
   * API token, and the caller's own password again, as PBS's `user_update_auth`.
   */
  private async requireManageAccess(actor: AuthContext, userid: string, password: string | undefined, source?: string): Promise<string> {
    const id = requireUserid(userid).userid;
    if (actor.tokenName !== null) throw new PermissionDeniedError("an API token cannot manage second factors");
    const config = await this.host.readConfig();
    if (config.users[id] === undefined && actor.userid !== id) throw new NotFoundError(`no such user '${id}'`);
    requireAuthorityOverAccount(config, actor, id, "manage-tfa");
    await this.host.confirmActorPassword(actor, password, source);
    return id;
  }

  private nowS(): number {
    return nowEpochSeconds(this.clock);
  }
}

function requireDescription(description: string): string {
  if (description.length > DESCRIPTION_MAX_LENGTH) throw invalidParameter("description", `at most ${DESCRIPTION_MAX_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\x00-\x1f\x7f]/.test(description)) throw invalidParameter("description", "control characters are not allowed");
  return description;
}

function toEntryViews(data: TfaUserData): TfaEntryView[] {
  const out: TfaEntryView[] = [];
  if (data.recovery !== undefined) {
    out.push({
      type: "recovery",
      id: "recovery",
      created: data.recovery.created,
      available: availableRecoveryIndices(data.recovery).length,
    });
  }
  for (const [type, entries] of [
    ["totp", data.totp],
    ["webauthn", data.webauthn],
  ] as const) {
    for (const entry of entries) {
      out.push({
        type,
        id: entry.id,
        ...(entry.description === "" ? {} : { description: entry.description }),
        created: entry.created,
        ...(entry.enable ? {} : { enable: false as const }),
      });
    }
  }
  return out;
}

/** PBS lists users with factors; Gatehouse also those locked out, so an admin sees whom to unlock. */
function toUserView(userid: string, data: TfaUserData, nowS: number): TfaUserView[] {
  const locked = isTfaLocked(data, nowS);
  if (!hasAnySecondFactor(data) && !data["totp-locked"] && !locked) return [];
  return [
    {
      userid,
      entries: toEntryViews(data),
      ...(data["totp-locked"] ? { "totp-locked": true as const } : {}),
      ...(locked ? { "tfa-locked-until": data["tfa-locked-until"] ?? 0 } : {}),
    },
  ];
}
