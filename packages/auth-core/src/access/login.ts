/**
 * Logins: a password (with a second factor when the user has one), a ticket
 * renewal, the confirmation of the caller's own password before a change, and the
 * tickets and CSRF tokens a success issues.
 */
import { nowEpochSeconds } from "../core/clock.js";
import { isTicketLive, isUserActive, ticketTimeFor } from "./config-queries.js";
import type { AccessConfig } from "../core/model.js";
import { createCsrfToken, verifyCsrfToken } from "../crypto/csrf.js";
import { PermissionDeniedError } from "../core/errors.js";
import { parseUserid } from "../core/ids.js";
import { invalidParameter, PASSWORD_MAX_LENGTH } from "../core/input-rules.js";
import { verifyAgainstDummyHash } from "../crypto/password-hash.js";
import { classifyCryptHash } from "../crypto/legacy-crypt-hash.js";
import { createTicket, formatTicketInfo } from "../crypto/ticket.js";
import type { VerifiedTicket } from "../crypto/ticket.js";
import type { TwoFactor } from "../tfa/two-factor.js";

import type { AuthContext, LoginInput, LoginSuccess, SecondFactorInput, SecondFactorRequired } from "./types.js";

import type { AccessServices } from "./services.js";
import { BUILTIN_REALM, NO_STORED_HASH } from "./services.js";

const NOT_A_VALID_TICKET = "\0ticket";

export class Logins {
  constructor(
    private readonly services: AccessServices,
    private readonly twoFactor: TwoFactor,
  ) {}

  /**
   * Password login or ticket renewal. Null for bad credentials, whatever the cause.
   * Failures are throttled per (username, address) and per address, never per
   * username alone (I7); a renewal with a valid ticket of the user is never
   * throttled and costs no hash, so whoever logged in before keeps a way in.
   * A password login of a user with second factors ends in a partial ticket
   * (SecondFactorRequired); a renewal never asks again, as in PBS.
   */
  async login(input: LoginInput): Promise<LoginSuccess | SecondFactorRequired | null> {
    const outcome = await this.checkLogin(input);
    const userid = outcome?.username ?? null;
    if (outcome !== null && !("secondFactorRequired" in outcome))
      this.services.lastUsed.note(outcome.username, this.services.clock.nowMs(), input.source);
    const kind = input.password.startsWith("PBS:")
      ? "renewal"
      : outcome !== null && "secondFactorRequired" in outcome
        ? "password; second factor required"
        : "password";
    await this.services.audit.recordLogin(input, userid, kind);
    return outcome;
  }

  /** login without its audit record and last use. */
  private async checkLogin(input: LoginInput): Promise<LoginSuccess | SecondFactorRequired | null> {
    const parsed = parseUserid(input.username);
    if (!parsed.ok || parsed.value.realm !== BUILTIN_REALM) {
      // No such user can exist: refused without a hash, and counted against the address only.
      this.services.throwIfSourceThrottled(input.source);
      this.services.throttle.recordSourceFailure(input.source);
      return null;
    }
    const userid = parsed.value.userid;
    if (input.password.startsWith("PBS:")) return this.renewTicket(userid, input.password, input.source);
    this.services.throwIfThrottled(passwordThrottleId(userid), input.source);
    if (!(await this.checkPassword(userid, input.password, input.source))) return null;
    const snapshot = await this.services.readCurrentConfig();
    const nowS = nowEpochSeconds(this.services.clock);
    if (!isUserActive(snapshot.config, userid, nowS)) return null;
    const partial = await this.twoFactor.createLoginChallenge(userid, ticketTimeFor(snapshot.config, userid, nowS));
    if (partial !== null) {
      return {
        username: userid,
        ticket: partial.ticket,
        CSRFPreventionToken: "invalid",
        challenge: partial.challenge,
        secondFactorRequired: true,
      };
    }
    return this.issueTicket(userid, snapshot.config);
  }

  /**
   * The second step (proxmox-auth-api's `authenticate_2nd`): a partial ticket of
   * this very user, still current, and a good answer to it give the full ticket.
   * The user must still be active and its sessions not ended since the first step.
   * Failures feed the per-source throttle; the per-user limits are the lockout's.
   */
  async loginSecondFactor(input: SecondFactorInput): Promise<LoginSuccess | null> {
    const success = await this.checkSecondFactor(input);
    if (success !== null) this.services.lastUsed.note(success.username, this.services.clock.nowMs(), input.source);
    const login: LoginInput = { username: input.username, password: "", ...(input.source === undefined ? {} : { source: input.source }) };
    await this.services.audit.recordLogin(login, success?.username ?? null, "second factor");
    return success;
  }

  /** loginSecondFactor without its audit record and last use. */
  private async checkSecondFactor(input: SecondFactorInput): Promise<LoginSuccess | null> {
    const parsed = parseUserid(input.username);
    if (!parsed.ok || parsed.value.realm !== BUILTIN_REALM) return null;
    const userid = parsed.value.userid;
    this.services.throwIfSourceThrottled(input.source);
    const nowS = nowEpochSeconds(this.services.clock);
    if (!isUserActive((await this.services.readCurrentConfig()).config, userid, nowS)) {
      this.services.throttle.recordSourceFailure(input.source);
      return null;
    }
    const outcome = await this.twoFactor.verifySecondFactor(userid, input.challengeTicket, input.response);
    const { config } = await this.services.readCurrentConfig();
    if (!outcome.ok || !isTicketLive(config, userid, outcome.issuedAt, nowEpochSeconds(this.services.clock))) {
      this.services.throttle.recordSourceFailure(input.source);
      return null;
    }
    return this.issueTicket(userid, config);
  }

  createCsrfToken(userid: string): string {
    return createCsrfToken(userid, this.services.keys.csrfKey, nowEpochSeconds(this.services.clock));
  }

  verifyCsrfToken(token: string, userid: string): boolean {
    return verifyCsrfToken(token, userid, this.services.keys.csrfKey, nowEpochSeconds(this.services.clock));
  }

  /**
   * PBS's `user_update_auth` (src/api2/access/mod.rs): before a password change the
   * caller confirms with its own current password (PBS exempts only root@pam; here
   * only the local CLI, which can edit the store anyway). A token is let through to
   * the change itself, which refuses tokens. A wrong confirmation is a failed login
   * for the throttles, so a stolen session cannot guess the password through it,
   * and a ticket never counts as a password here.
   *
   * Gatehouse answers 400 (missing) and 403 (wrong) where PBS answers 401: a 401
   * ends a browser session, and a typo in the confirmation must not log anyone out.
   */
  async confirmActorPassword(
    actor: AuthContext,
    confirmation: string | undefined,
    source?: string,
    parameter = "confirmation-password",
  ): Promise<void> {
    if (actor.via === "system" || actor.tokenName !== null) return;
    if (confirmation === undefined || confirmation === "") {
      throw invalidParameter(parameter, `the current password of ${actor.userid} is required for this change`);
    }
    const throttleId = passwordThrottleId(actor.userid);
    this.services.throwIfThrottled(throttleId, source);
    let verified: boolean;
    if (confirmation.startsWith("PBS:")) {
      this.services.throttle.recordFailure(
        throttleId,
        source,
        this.services.throttle.fingerprint(throttleId, confirmation),
        NOT_A_VALID_TICKET,
      );
      verified = false;
    } else {
      verified = await this.checkPassword(actor.userid, confirmation, source);
    }
    if (!verified) throw new PermissionDeniedError(`${parameter}: not the current password of the logged-in user`);
  }

  /**
   * A renewal: a valid ticket of this very user, whose sessions were not ended
   * since (finding 7), gets a new one. A valid ticket is never throttled; anything
   * else posted as a ticket is a failed login like a wrong password.
   */
  private async renewTicket(userid: string, rawTicket: string, source: string | undefined): Promise<LoginSuccess | null> {
    const ticket = this.verifyRenewalTicketFor(userid, rawTicket);
    if (ticket === null) {
      const throttleId = passwordThrottleId(userid);
      this.services.throwIfThrottled(throttleId, source);
      this.services.throttle.recordFailure(
        throttleId,
        source,
        this.services.throttle.fingerprint(throttleId, rawTicket),
        NOT_A_VALID_TICKET,
      );
      return null;
    }
    const { config } = await this.services.readCurrentConfig();
    return isTicketLive(config, userid, ticket.issuedAt, nowEpochSeconds(this.services.clock)) ? this.issueTicket(userid, config) : null;
  }

  private verifyRenewalTicketFor(userid: string, rawTicket: string): VerifiedTicket | null {
    const ticket = this.services.ticketCache.verify(rawTicket, nowEpochSeconds(this.services.clock));
    // A valid ticket of one user must never renew into a ticket of another.
    return ticket !== null && ticket.authid === userid ? ticket : null;
  }

  /**
   * Whether `password` is the user's, through the gate as one task of `source`.
   * A wrong one is recorded for the throttles; a password that already failed
   * against the hash stored now is refused without a hash. An unknown user costs
   * the same hash as a known one, so timing tells nothing (V6.3.8).
   */
  private async checkPassword(userid: string, password: string, source: string | undefined): Promise<boolean> {
    const throttleId = passwordThrottleId(userid);
    const fingerprint = this.services.throttle.fingerprint(throttleId, password);
    if (password.length === 0 || password.length > PASSWORD_MAX_LENGTH) {
      this.services.throttle.recordFailure(throttleId, source, fingerprint, NO_STORED_HASH);
      return false;
    }
    if (
      this.services.throttle.isKnownWrong(throttleId, fingerprint, (await this.services.store.readPasswordHash(userid)) ?? NO_STORED_HASH)
    )
      return false;
    const outcome = await this.services.runTimedOnGate(
      null,
      async () => {
        // Read again inside the slot: a password changed while this waited must decide.
        const hash = await this.services.store.readPasswordHash(userid);
        if (hash === undefined) {
          await verifyAgainstDummyHash(this.services.hasher, password);
          return { valid: false, checkedHash: NO_STORED_HASH };
        }
        const valid = await this.services.verifyStoredHash(hash, password);
        if (valid && classifyCryptHash(hash) === "sha256-crypt") await this.services.upgradeLegacyHash("password", userid, hash, password);
        return { valid, checkedHash: hash };
      },
      this.services.sourceOwner(source),
    );
    if (outcome.valid) this.services.throttle.recordSuccess(throttleId, source);
    else this.services.throttle.recordFailure(throttleId, source, fingerprint, outcome.checkedHash);
    return outcome.valid;
  }

  /** A full ticket, dated now or at the user's session floor when that is a second ahead (ticketTimeFor). */
  private issueTicket(userid: string, config: AccessConfig): LoginSuccess {
    const nowS = ticketTimeFor(config, userid, nowEpochSeconds(this.services.clock));
    return {
      username: userid,
      ticket: createTicket(userid, this.services.keys.ticketPrivateKey, nowS),
      ticketTime: nowS,
      ticketInfo: formatTicketInfo(userid, nowS),
      CSRFPreventionToken: createCsrfToken(userid, this.services.keys.csrfKey, nowS),
    };
  }
}

/** The throttles' id for password logins of a user, kept apart from its tokens' ids. */
function passwordThrottleId(userid: string): string {
  return `user:${userid}`;
}
