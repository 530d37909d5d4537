/**
 * Second factors the PBS way (proxmox-tfa src/api/mod.rs and methods.rs,
 * proxmox-backup src/api2/access/tfa.rs): the login challenge and its answer, the
 * lockout, and the `/access/tfa` API. AccessControl owns one and hands it the
 * config reads and password confirmation it needs; everything that decides a
 * second factor is here.
 *
 * Lockout, with PBS's numbers: every failed answer counts towards
 * TFA_FAILURE_LIMIT (then every factor is refused for TFA_LOCK_TIME_S), a wrong or
 * replayed TOTP code also towards TOTP_FAILURE_LIMIT (then TOTP is refused until a
 * recovery key is used or an admin unlocks). A success resets the counters.
 */
import { randomUUID } from "node:crypto";
import type { KeyObject } from "node:crypto";
import type { AuthContext } from "../access/types.js";
import { requireAuthorityOverAccount } from "../access/account-authority.js";
import { hasPrivilege } from "../access/acl.js";
import { nowEpochSeconds, type Clock } from "../core/clock.js";
import { NotFoundError, PermissionDeniedError } from "../core/errors.js";
import { invalidParameter, requireUserid } from "../core/input-rules.js";
import type { AccessConfig } from "../core/model.js";
import { createPartialTicket, verifyPartialTicket, type TfaChallenge } from "./partial-ticket.js";
import { availableRecoveryIndices, findRecoveryKey, generateRecoveryKeys, useRecoveryKey } from "./recovery-keys.js";
import { hasAnySecondFactor, isTfaLocked, type PendingChallenge, type TfaUserData, type WebauthnEntry } from "./tfa-model.js";
import type { TfaStore } from "./tfa-store.js";
import { matchTotpStep, parseTotpUri } from "./totp.js";
import {
  finishWebauthnAuthentication,
  finishWebauthnRegistration,
  readResponseChallenge,
  readResponseCredentialId,
  startWebauthnAuthentication,
  startWebauthnRegistration,
  type WebauthnSettings,
} from "./webauthn.js";

/** proxmox-tfa `totp_failure_limit`. */
export const TOTP_FAILURE_LIMIT = 8;
/** proxmox-tfa `tfa_failure_limit`. */
export const TFA_FAILURE_LIMIT = 100;
/** proxmox-tfa `tfa_failure_lock_time`. */
export const TFA_LOCK_TIME_S = 3600;
/** proxmox-tfa `CHALLENGE_TIMEOUT_SECS`. */
export const WEBAUTHN_CHALLENGE_TTL_S = 120;
/** Bounds on one user's record, so no client can grow the store without end. */
export const MAX_ENTRIES_PER_KIND = 16;
const MAX_PENDING_CHALLENGES = 8;
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

/** PBS's `TfaUpdateInfo`. */
export interface TfaUpdateInfo {
  id?: string;
  /** WebAuthn registration: the creation options to pass to the browser, as a JSON string. */
  challenge?: string;
  /** Recovery keys in clear: shown once. */
  recovery?: string[];
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

/** What a second-step answer came to. */
export type SecondFactorOutcome = { ok: true; issuedAt: number } | { ok: false; reason: "invalid" | "failed" | "locked" };

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

type Verdict = "success" | "failure" | "locked";

export class TwoFactor {
  readonly webauthnSettings: WebauthnSettings;
  private readonly store: TfaStore;
  private readonly clock: Clock;
  private readonly host: TwoFactorHost;

  constructor(private readonly options: TwoFactorOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.host = options.host;
    this.webauthnSettings = options.webauthn;
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
    const success = { ok: true as const, issuedAt: verified.issuedAt };
    let verdict: Verdict | "invalid";
    if (response.startsWith("totp:")) verdict = await this.verifyTotp(userid, response.slice("totp:".length));
    else if (response.startsWith("recovery:")) verdict = await this.verifyRecovery(userid, response.slice("recovery:".length));
    else if (response.startsWith("webauthn:"))
      verdict = await this.verifyWebauthn(userid, verified.challenge, response.slice("webauthn:".length));
    else verdict = "invalid";
    if (verdict === "success") return success;
    return { ok: false, reason: verdict === "locked" ? "locked" : verdict === "invalid" ? "invalid" : "failed" };
  }

  private verifyTotp(userid: string, code: string): Promise<Verdict> {
    const nowMs = this.clock.nowMs();
    const nowS = Math.floor(nowMs / 1000);
    return this.store.updateUser(userid, nowS, (data) => {
      if (isTfaLocked(data, nowS) || data["totp-locked"]) return "locked";
      for (const entry of data.totp) {
        if (!entry.enable) continue;
        let step: number | null;
        try {
          step = matchTotpStep(parseTotpUri(entry.totp), code, nowMs);
        } catch {
          continue; // an entry whose URI no longer parses cannot match
        }
        if (step === null) continue;
        // A code of a step at or before the last one accepted is a replay: a failure, as in PBS.
        if (entry["last-count"] !== undefined && step <= entry["last-count"]) break;
        entry["last-count"] = step;
        data["totp-failures"] = 0;
        data["tfa-failures"] = 0;
        return "success";
      }
      data["totp-failures"] += 1;
      recordFailure(data, nowS);
      if (data["totp-failures"] >= TOTP_FAILURE_LIMIT) data["totp-locked"] = true;
      return "failure";
    });
  }

  /**
   * The hashes are checked outside the store's lock (argon2 takes a while); the key
   * is then used up under the lock only if its slot still holds the hash that
   * matched, so two logins racing with one key cannot both succeed.
   */
  private async verifyRecovery(userid: string, key: string): Promise<Verdict> {
    const before = await this.store.readUser(userid);
    if (before !== undefined && isTfaLocked(before, this.nowS())) return "locked";
    const found = before?.recovery === undefined ? null : await findRecoveryKey(before.recovery, key, this.host.verifySecret);
    const nowS = this.nowS();
    return this.store.updateUser(userid, nowS, (data) => {
      if (isTfaLocked(data, nowS)) return "locked";
      if (found !== null && data.recovery !== undefined && useRecoveryKey(data.recovery, found)) {
        // A recovery key is how a user gets out of a TOTP lock (proxmox-tfa verify_recovery).
        data["totp-locked"] = false;
        delete data["tfa-locked-until"];
        data["totp-failures"] = 0;
        data["tfa-failures"] = 0;
        return "success";
      }
      recordFailure(data, nowS);
      return "failure";
    });
  }

  /**
   * The challenge is taken out of the store before the signature is checked, so an
   * assertion is good for one attempt only, whatever its outcome (as PBS).
   */
  private async verifyWebauthn(userid: string, challenge: TfaChallenge, json: string): Promise<Verdict | "invalid"> {
    let response: unknown;
    try {
      response = JSON.parse(json);
    } catch {
      return "invalid";
    }
    const answered = readResponseChallenge(response);
    const credentialId = readResponseCredentialId(response);
    if (answered === null || credentialId === null) return "invalid";
    const nowS = this.nowS();
    const taken = await this.store.updateUser(userid, nowS, (data) => {
      if (isTfaLocked(data, nowS)) return "locked" as const;
      const pending = takeChallenge(data, "webauthn-login", answered, nowS);
      // The assertion must answer the challenge of this very login.
      const entry = data.webauthn.find((candidate) => candidate.enable && candidate["credential-id"] === credentialId);
      if (pending === null || challenge.webauthn?.publicKey.challenge !== answered || entry === undefined) {
        recordFailure(data, nowS);
        return "failure" as const;
      }
      return entry;
    });
    if (taken === "locked" || taken === "failure") return taken;
    const newCounter = await finishWebauthnAuthentication(this.webauthnSettings, answered, taken, response);
    const afterS = this.nowS();
    return this.store.updateUser(userid, afterS, (data) => {
      if (newCounter === null) {
        recordFailure(data, afterS);
        return "failure";
      }
      const entry = data.webauthn.find((candidate) => candidate["credential-id"] === credentialId);
      if (entry !== undefined) entry.counter = newCounter;
      data["tfa-failures"] = 0;
      return "success";
    });
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
        return this.addTotp(id, description, input);
      case "recovery":
        if (input.totp !== undefined || input.value !== undefined || input.challenge !== undefined) {
          throw invalidParameter("type", "generating recovery keys does not allow additional parameters");
        }
        return this.addRecovery(id);
      case "webauthn":
        if (input.totp !== undefined) throw invalidParameter("totp", "'totp' parameter is invalid for 'webauthn' entries");
        return input.challenge === undefined ? this.startWebauthn(id, description) : this.finishWebauthn(id, input.challenge, input.value);
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

  // --- adding factors -----------------------------------------------------------------

  private async addTotp(userid: string, description: string | undefined, input: AddTfaInput): Promise<TfaUpdateInfo> {
    if (input.challenge !== undefined) throw invalidParameter("challenge", "'challenge' parameter is invalid for 'totp' entries");
    if (description === undefined) throw invalidParameter("description", "'description' is required for new entries");
    if (input.totp === undefined || input.value === undefined) {
      throw invalidParameter("totp", "'totp' type requires both 'totp' and 'value' parameters");
    }
    const totp = parseTotpUri(input.totp);
    const nowMs = this.clock.nowMs();
    // The code proves the authenticator holds the secret before it is saved.
    const step = matchTotpStep(totp, input.value.trim(), nowMs);
    if (step === null) throw invalidParameter("value", "failed to verify TOTP challenge");
    const entryId = randomUUID();
    await this.store.updateUser(userid, Math.floor(nowMs / 1000), (data) => {
      requireRoom(data.totp.length, "totp");
      // The enrolment code is used up: it cannot be replayed as a login code.
      data.totp.push({
        id: entryId,
        description,
        created: Math.floor(nowMs / 1000),
        enable: true,
        totp: input.totp ?? "",
        "last-count": step,
      });
    });
    return { id: entryId };
  }

  private async addRecovery(userid: string): Promise<TfaUpdateInfo> {
    const nowS = this.nowS();
    const existing = await this.store.readUser(userid);
    // Checked before paying for ten hashes; checked again under the lock.
    if (existing?.recovery !== undefined) throw invalidParameter("type", "user already has recovery keys");
    const { set, keys } = await generateRecoveryKeys(this.host.hashSecret, nowS);
    await this.store.updateUser(userid, nowS, (data) => {
      if (data.recovery !== undefined) throw invalidParameter("type", "user already has recovery keys");
      data.recovery = set;
    });
    return { id: "recovery", recovery: keys };
  }

  private async startWebauthn(userid: string, description: string | undefined): Promise<TfaUpdateInfo> {
    if (description === undefined) throw invalidParameter("description", "'description' is required for new entries");
    const existing = await this.store.readUser(userid);
    requireRoom(existing?.webauthn.length ?? 0, "webauthn");
    const publicKey = await startWebauthnRegistration(this.webauthnSettings, userid, existing?.webauthn ?? []);
    const nowS = this.nowS();
    await this.store.updateUser(userid, nowS, (data) => {
      rememberChallenge(data, { kind: "webauthn-registration", challenge: publicKey.challenge, created: nowS, description }, nowS);
    });
    return { challenge: JSON.stringify({ publicKey }) };
  }

  private async finishWebauthn(userid: string, challengeParam: string, value: string | undefined): Promise<TfaUpdateInfo> {
    if (value === undefined) throw invalidParameter("value", "missing 'value' parameter (webauthn challenge response missing)");
    const challenge = readRegistrationChallenge(challengeParam);
    let response: unknown;
    try {
      response = JSON.parse(value);
    } catch {
      throw invalidParameter("value", "not a JSON credential");
    }
    const nowS = this.nowS();
    // Taken out first: a registration challenge is good for one attempt.
    const pending = await this.store.updateUser(userid, nowS, (data) => takeChallenge(data, "webauthn-registration", challenge, nowS));
    if (pending === null) throw invalidParameter("challenge", "no such challenge (expired or already used)");
    const credential = await finishWebauthnRegistration(this.webauthnSettings, challenge, response);
    if (credential === null) throw invalidParameter("value", "the WebAuthn registration did not verify");
    const entryId = randomUUID();
    await this.store.updateUser(userid, this.nowS(), (data) => {
      requireRoom(data.webauthn.length, "webauthn");
      if (data.webauthn.some((entry) => entry["credential-id"] === credential.credentialId)) {
        throw invalidParameter("value", "credential id already present");
      }
      const entry: WebauthnEntry = {
        id: entryId,
        description: pending.description ?? "",
        created: this.nowS(),
        enable: true,
        "credential-id": credential.credentialId,
        "public-key": credential.publicKey,
        counter: credential.counter,
        ...(credential.transports === undefined ? {} : { transports: credential.transports }),
      };
      data.webauthn.push(entry);
    });
    return { id: entryId };
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

/** One more failure of any factor; at the limit every factor is refused for an hour. */
function recordFailure(data: TfaUserData, nowS: number): void {
  data["tfa-failures"] += 1;
  if (data["tfa-failures"] >= TFA_FAILURE_LIMIT) data["tfa-locked-until"] = nowS + TFA_LOCK_TIME_S;
}

function rememberChallenge(data: TfaUserData, challenge: PendingChallenge, nowS: number): void {
  data.challenges = data.challenges.filter((pending) => pending.created > nowS - WEBAUTHN_CHALLENGE_TTL_S);
  data.challenges.push(challenge);
  // The oldest go first: a flood of logins cannot grow the record.
  if (data.challenges.length > MAX_PENDING_CHALLENGES) data.challenges = data.challenges.slice(-MAX_PENDING_CHALLENGES);
}

/** Removes and returns the pending challenge, or null when there is none that is still current. */
function takeChallenge(data: TfaUserData, kind: PendingChallenge["kind"], challenge: string, nowS: number): PendingChallenge | null {
  const found = data.challenges.find((pending) => pending.kind === kind && pending.challenge === challenge);
  // Expired ones go too; an expired match counts as none.
  data.challenges = data.challenges.filter((pending) => pending !== found && pending.created > nowS - WEBAUTHN_CHALLENGE_TTL_S);
  return found !== undefined && found.created > nowS - WEBAUTHN_CHALLENGE_TTL_S ? found : null;
}

function requireRoom(count: number, kind: string): void {
  if (count >= MAX_ENTRIES_PER_KIND) throw invalidParameter("type", `at most ${MAX_ENTRIES_PER_KIND} ${kind} entries per user`);
}

function requireDescription(description: string): string {
  if (description.length > DESCRIPTION_MAX_LENGTH) throw invalidParameter("description", `at most ${DESCRIPTION_MAX_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\x00-\x1f\x7f]/.test(description)) throw invalidParameter("description", "control characters are not allowed");
  return description;
}

/** The `challenge` parameter: the JSON PBS's registration returned (`{"publicKey":{"challenge":...}}`), or the bare challenge. */
function readRegistrationChallenge(param: string): string {
  const trimmed = param.trim();
  if (trimmed.startsWith("{")) {
    try {
      const parsed = JSON.parse(trimmed) as { publicKey?: { challenge?: unknown } } | null;
      const challenge = parsed?.publicKey?.challenge;
      if (typeof challenge === "string" && challenge.length > 0) return challenge;
    } catch {
      // reported below
    }
    throw invalidParameter("challenge", "not a registration challenge");
  }
  if (!/^[A-Za-z0-9_-]{16,256}$/.test(trimmed)) throw invalidParameter("challenge", "not a registration challenge");
  return trimmed;
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
