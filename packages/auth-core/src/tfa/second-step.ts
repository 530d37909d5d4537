/**
 * The second step of a login (proxmox-tfa src/api/mod.rs, verify_challenge): checking
 * a TOTP code, a recovery key or a WebAuthn assertion against the user's factors,
 * and the lockout accounting that goes with every answer. TwoFactor
 * (two-factor.ts) is the facade; these functions share its store and clock.
 *
 * Lockout, with PBS's numbers: every failed answer counts towards
 * TFA_FAILURE_LIMIT (then every factor is refused for TFA_LOCK_TIME_S), a wrong or
 * replayed TOTP code also towards TOTP_FAILURE_LIMIT (then TOTP is refused until a
 * recovery key is used or an admin unlocks). A success resets the counters.
 */
import { nowEpochSeconds, type Clock } from "../core/clock.js";
import type { TfaChallenge } from "./partial-ticket.js";
import { findRecoveryKey, useRecoveryKey } from "./recovery-keys.js";
import { isTfaLocked, type PendingChallenge, type TfaUserData } from "./tfa-model.js";
import type { TfaStore } from "./tfa-store.js";
import { matchTotpStep, parseTotpUri } from "./totp.js";
import { finishWebauthnAuthentication, readResponseChallenge, readResponseCredentialId, type WebauthnSettings } from "./webauthn.js";

/** proxmox-tfa `totp_failure_limit`. */
export const TOTP_FAILURE_LIMIT = 8;
/** proxmox-tfa `tfa_failure_limit`. */
export const TFA_FAILURE_LIMIT = 100;
/** proxmox-tfa `tfa_failure_lock_time`. */
export const TFA_LOCK_TIME_S = 3600;
/** proxmox-tfa `CHALLENGE_TIMEOUT_SECS`. */
export const WEBAUTHN_CHALLENGE_TTL_S = 120;
const MAX_PENDING_CHALLENGES = 8;

/** What the second-step and enrolment functions share with TwoFactor. */
export interface TfaFactorContext {
  store: TfaStore;
  clock: Clock;
  webauthnSettings: WebauthnSettings;
}

export type Verdict = "success" | "failure" | "locked";

/** What a second-step answer came to. */
export type SecondFactorOutcome = { ok: true; issuedAt: number } | { ok: false; reason: "invalid" | "failed" | "locked" };

/**
 * Checks one answer, `totp:<code>`, `recovery:<key>` or `webauthn:<json>`, against
 * the challenge of a partial ticket already verified as this user's.
 * A malformed answer is "invalid" and not counted (as PBS, which fails to parse
 * it before verifying); everything else counts towards the lockout.
 */
export async function verifySecondStepResponse(
  context: TfaFactorContext,
  verifySecret: (hash: string, plain: string) => Promise<boolean>,
  userid: string,
  challenge: TfaChallenge,
  response: string,
): Promise<Verdict | "invalid"> {
  if (response.startsWith("totp:")) return verifyTotp(context, userid, response.slice("totp:".length));
  if (response.startsWith("recovery:")) return verifyRecovery(context, verifySecret, userid, response.slice("recovery:".length));
  if (response.startsWith("webauthn:")) return verifyWebauthn(context, userid, challenge, response.slice("webauthn:".length));
  return "invalid";
}

function verifyTotp({ store, clock }: TfaFactorContext, userid: string, code: string): Promise<Verdict> {
  const nowMs = clock.nowMs();
  const nowS = Math.floor(nowMs / 1000);
  return store.updateUser(userid, nowS, (data) => {
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
async function verifyRecovery(
  { store, clock }: TfaFactorContext,
  verifySecret: (hash: string, plain: string) => Promise<boolean>,
  userid: string,
  key: string,
): Promise<Verdict> {
  const before = await store.readUser(userid);
  if (before !== undefined && isTfaLocked(before, nowEpochSeconds(clock))) return "locked";
  const found = before?.recovery === undefined ? null : await findRecoveryKey(before.recovery, key, verifySecret);
  const nowS = nowEpochSeconds(clock);
  return store.updateUser(userid, nowS, (data) => {
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
async function verifyWebauthn(
  { store, clock, webauthnSettings }: TfaFactorContext,
  userid: string,
  challenge: TfaChallenge,
  json: string,
): Promise<Verdict | "invalid"> {
  let response: unknown;
  try {
    response = JSON.parse(json);
  } catch {
    return "invalid";
  }
  const answered = readResponseChallenge(response);
  const credentialId = readResponseCredentialId(response);
  if (answered === null || credentialId === null) return "invalid";
  const nowS = nowEpochSeconds(clock);
  const taken = await store.updateUser(userid, nowS, (data) => {
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
  const newCounter = await finishWebauthnAuthentication(webauthnSettings, answered, taken, response);
  const afterS = nowEpochSeconds(clock);
  return store.updateUser(userid, afterS, (data) => {
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

/** One more failure of any factor; at the limit every factor is refused for an hour. */
function recordFailure(data: TfaUserData, nowS: number): void {
  data["tfa-failures"] += 1;
  if (data["tfa-failures"] >= TFA_FAILURE_LIMIT) data["tfa-locked-until"] = nowS + TFA_LOCK_TIME_S;
}

/** Keeps a WebAuthn challenge (login or registration) until it is answered or expires. */
export function rememberChallenge(data: TfaUserData, challenge: PendingChallenge, nowS: number): void {
  data.challenges = data.challenges.filter((pending) => pending.created > nowS - WEBAUTHN_CHALLENGE_TTL_S);
  data.challenges.push(challenge);
  // The oldest go first: a flood of logins cannot grow the record.
  if (data.challenges.length > MAX_PENDING_CHALLENGES) data.challenges = data.challenges.slice(-MAX_PENDING_CHALLENGES);
}

/** Removes and returns the pending challenge, or null when there is none that is still current. */
export function takeChallenge(data: TfaUserData, kind: PendingChallenge["kind"], challenge: string, nowS: number): PendingChallenge | null {
  const found = data.challenges.find((pending) => pending.kind === kind && pending.challenge === challenge);
  // Expired ones go too; an expired match counts as none.
  data.challenges = data.challenges.filter((pending) => pending !== found && pending.created > nowS - WEBAUTHN_CHALLENGE_TTL_S);
  return found !== undefined && found.created > nowS - WEBAUTHN_CHALLENGE_TTL_S ? found : null;
}
