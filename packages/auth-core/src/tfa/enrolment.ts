/**
 * Adding a second factor (proxmox-tfa src/api/mod.rs, add_tfa_entry): a TOTP
 * secret proven by a code, a set of recovery keys, and the two halves of a WebAuthn
 * registration. TwoFactor (two-factor.ts) checks the caller's access and the
 * description first; these functions only decide the factor itself.
 */
import { randomUUID } from "node:crypto";
import { nowEpochSeconds } from "../core/clock.js";
import { invalidParameter } from "../core/input-rules.js";
import { generateRecoveryKeys } from "./recovery-keys.js";
import { rememberChallenge, takeChallenge, type TfaFactorContext } from "./second-step.js";
import type { WebauthnEntry } from "./tfa-model.js";
import { matchTotpStep, parseTotpUri } from "./totp.js";
import { finishWebauthnRegistration, startWebauthnRegistration } from "./webauthn.js";

/** Bounds on one user's record, so no client can grow the store without end. */
export const MAX_ENTRIES_PER_KIND = 16;

/** PBS's `TfaUpdateInfo`. */
export interface TfaUpdateInfo {
  id?: string;
  /** WebAuthn registration: the creation options to pass to the browser, as a JSON string. */
  challenge?: string;
  /** Recovery keys in clear: shown once. */
  recovery?: string[];
}

export async function addTotp(
  { store, clock }: TfaFactorContext,
  userid: string,
  description: string | undefined,
  input: { totp?: string; value?: string; challenge?: string },
): Promise<TfaUpdateInfo> {
  if (input.challenge !== undefined) throw invalidParameter("challenge", "'challenge' parameter is invalid for 'totp' entries");
  if (description === undefined) throw invalidParameter("description", "'description' is required for new entries");
  if (input.totp === undefined || input.value === undefined) {
    throw invalidParameter("totp", "'totp' type requires both 'totp' and 'value' parameters");
  }
  const totp = parseTotpUri(input.totp);
  const nowMs = clock.nowMs();
  // The code proves the authenticator holds the secret before it is saved.
  const step = matchTotpStep(totp, input.value.trim(), nowMs);
  if (step === null) throw invalidParameter("value", "failed to verify TOTP challenge");
  const entryId = randomUUID();
  await store.updateUser(userid, Math.floor(nowMs / 1000), (data) => {
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

export async function addRecovery(
  { store, clock }: TfaFactorContext,
  hashSecret: (plain: string) => Promise<string>,
  userid: string,
): Promise<TfaUpdateInfo> {
  const nowS = nowEpochSeconds(clock);
  const existing = await store.readUser(userid);
  // Checked before paying for ten hashes; checked again under the lock.
  if (existing?.recovery !== undefined) throw invalidParameter("type", "user already has recovery keys");
  const { set, keys } = await generateRecoveryKeys(hashSecret, nowS);
  await store.updateUser(userid, nowS, (data) => {
    if (data.recovery !== undefined) throw invalidParameter("type", "user already has recovery keys");
    data.recovery = set;
  });
  return { id: "recovery", recovery: keys };
}

export async function startWebauthn(
  { store, clock, webauthnSettings }: TfaFactorContext,
  userid: string,
  description: string | undefined,
): Promise<TfaUpdateInfo> {
  if (description === undefined) throw invalidParameter("description", "'description' is required for new entries");
  const existing = await store.readUser(userid);
  requireRoom(existing?.webauthn.length ?? 0, "webauthn");
  const publicKey = await startWebauthnRegistration(webauthnSettings, userid, existing?.webauthn ?? []);
  const nowS = nowEpochSeconds(clock);
  await store.updateUser(userid, nowS, (data) => {
    rememberChallenge(data, { kind: "webauthn-registration", challenge: publicKey.challenge, created: nowS, description }, nowS);
  });
  return { challenge: JSON.stringify({ publicKey }) };
}

export async function finishWebauthn(
  { store, clock, webauthnSettings }: TfaFactorContext,
  userid: string,
  challengeParam: string,
  value: string | undefined,
): Promise<TfaUpdateInfo> {
  if (value === undefined) throw invalidParameter("value", "missing 'value' parameter (webauthn challenge response missing)");
  const challenge = readRegistrationChallenge(challengeParam);
  let response: unknown;
  try {
    response = JSON.parse(value);
  } catch {
    throw invalidParameter("value", "not a JSON credential");
  }
  const nowS = nowEpochSeconds(clock);
  // Taken out first: a registration challenge is good for one attempt.
  const pending = await store.updateUser(userid, nowS, (data) => takeChallenge(data, "webauthn-registration", challenge, nowS));
  if (pending === null) throw invalidParameter("challenge", "no such challenge (expired or already used)");
  const credential = await finishWebauthnRegistration(webauthnSettings, challenge, response);
  if (credential === null) throw invalidParameter("value", "the WebAuthn registration did not verify");
  const entryId = randomUUID();
  await store.updateUser(userid, nowEpochSeconds(clock), (data) => {
    requireRoom(data.webauthn.length, "webauthn");
    if (data.webauthn.some((entry) => entry["credential-id"] === credential.credentialId)) {
      throw invalidParameter("value", "credential id already present");
    }
    const entry: WebauthnEntry = {
      id: entryId,
      description: pending.description ?? "",
      created: nowEpochSeconds(clock),
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

function requireRoom(count: number, kind: string): void {
  if (count >= MAX_ENTRIES_PER_KIND) throw invalidParameter("type", `at most ${MAX_ENTRIES_PER_KIND} ${kind} entries per user`);
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
