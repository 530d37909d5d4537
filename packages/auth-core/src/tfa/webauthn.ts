/**
 * WebAuthn registration and authentication through @simplewebauthn/server. As PBS
 * (proxmox-tfa's `danger_set_user_presence_only_security_keys`), a second factor
 * needs user presence, not user verification: the password was the first factor.
 * The relying party comes from GATEHOUSE_WEBAUTHN_RP_ID / GATEHOUSE_WEBAUTHN_ORIGIN.
 * Every failure of a client's response (malformed, wrong challenge, wrong origin,
 * bad signature) comes back as null, never as an exception.
 */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import type { WebauthnEntry } from "./tfa-model.js";

export interface WebauthnSettings {
  /** The relying party id: the host name the console is served under (never an IP address). */
  rpId: string;
  /** Origins a response may come from, e.g. `https://backup.example:8007`. */
  origins: string[];
  /** Shown by the browser while registering. */
  rpName?: string;
}

/** How long a browser may take; the server keeps a challenge for WEBAUTHN_CHALLENGE_TTL_S. */
const CEREMONY_TIMEOUT_MS = 60_000;

export interface RegisteredCredential {
  credentialId: string;
  publicKey: string;
  counter: number;
  transports?: string[];
}

export function startWebauthnRegistration(
  settings: WebauthnSettings,
  userid: string,
  existing: readonly WebauthnEntry[],
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: settings.rpName ?? "Gatehouse",
    rpID: settings.rpId,
    userName: userid,
    userDisplayName: userid,
    attestationType: "none",
    timeout: CEREMONY_TIMEOUT_MS,
    // The same authenticator twice adds nothing: the browser refuses to register it again.
    excludeCredentials: existing.map((entry) => ({ id: entry["credential-id"], ...transportsOf(entry) })),
    authenticatorSelection: { residentKey: "discouraged", userVerification: "discouraged" },
  });
}

export async function finishWebauthnRegistration(
  settings: WebauthnSettings,
  expectedChallenge: string,
  response: unknown,
): Promise<RegisteredCredential | null> {
  if (!isCredentialShaped(response)) return null;
  try {
    const verified = await verifyRegistrationResponse({
      response: response as RegistrationResponseJSON,
      expectedChallenge,
      expectedOrigin: settings.origins,
      expectedRPID: settings.rpId,
      requireUserVerification: false,
    });
    if (!verified.verified) return null;
    const { credential } = verified.registrationInfo;
    return {
      credentialId: credential.id,
      publicKey: Buffer.from(credential.publicKey).toString("base64url"),
      counter: credential.counter,
      ...(credential.transports === undefined ? {} : { transports: credential.transports.slice(0, 8) }),
    };
  } catch {
    return null;
  }
}

export function startWebauthnAuthentication(
  settings: WebauthnSettings,
  entries: readonly WebauthnEntry[],
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: settings.rpId,
    timeout: CEREMONY_TIMEOUT_MS,
    allowCredentials: entries.map((entry) => ({ id: entry["credential-id"], ...transportsOf(entry) })),
    userVerification: "discouraged",
  });
}

/** The new signature counter when `response` is a valid assertion by `entry` over `expectedChallenge`; else null. */
export async function finishWebauthnAuthentication(
  settings: WebauthnSettings,
  expectedChallenge: string,
  entry: WebauthnEntry,
  response: unknown,
): Promise<number | null> {
  if (!isCredentialShaped(response)) return null;
  try {
    const verified = await verifyAuthenticationResponse({
      response: response as AuthenticationResponseJSON,
      expectedChallenge,
      expectedOrigin: settings.origins,
      expectedRPID: settings.rpId,
      credential: {
        id: entry["credential-id"],
        publicKey: new Uint8Array(Buffer.from(entry["public-key"], "base64url")),
        counter: entry.counter,
        ...transportsOf(entry),
      },
      requireUserVerification: false,
    });
    return verified.verified ? verified.authenticationInfo.newCounter : null;
  } catch {
    return null;
  }
}

/**
 * The challenge a response answers: PBS's client sends it beside the credential
 * (`challenge`); a plain credential carries it inside its clientDataJSON.
 */
export function readResponseChallenge(response: unknown): string | null {
  if (typeof response !== "object" || response === null) return null;
  const record = response as Record<string, unknown>;
  if (typeof record.challenge === "string") return record.challenge;
  const inner = record.response;
  if (typeof inner !== "object" || inner === null) return null;
  const clientDataJSON = (inner as Record<string, unknown>).clientDataJSON;
  if (typeof clientDataJSON !== "string" || clientDataJSON.length > 4096) return null;
  try {
    const clientData: unknown = JSON.parse(Buffer.from(clientDataJSON, "base64url").toString("utf8"));
    const challenge = (clientData as Record<string, unknown> | null)?.challenge;
    return typeof challenge === "string" ? challenge : null;
  } catch {
    return null;
  }
}

/** The credential id a response names, for finding the entry it must be checked against. */
export function readResponseCredentialId(response: unknown): string | null {
  if (typeof response !== "object" || response === null) return null;
  const id = (response as Record<string, unknown>).id;
  return typeof id === "string" ? id : null;
}

function isCredentialShaped(response: unknown): boolean {
  if (typeof response !== "object" || response === null) return false;
  const record = response as Record<string, unknown>;
  return typeof record.id === "string" && typeof record.response === "object" && record.response !== null;
}

function transportsOf(entry: WebauthnEntry): { transports?: string[] } {
  return entry.transports === undefined ? {} : { transports: entry.transports };
}
