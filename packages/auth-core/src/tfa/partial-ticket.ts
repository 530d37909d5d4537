/**
 * The partial ticket of a login that still needs its second factor, after
 * proxmox-auth-api (src/api/ticket.rs, src/ticket.rs):
 *
 *     PBS:!tfa!<challenge JSON, ':' and '%' percent-encoded>:<HEXTIME>::<signature>
 *
 * The signature (Ed25519, the ticket key) covers the ticket up to its time plus
 * `:<userid>` as additional data, so the ticket names no user and is good for one
 * user only: the second step must name the same user. It is never accepted where
 * a ticket is (its data is not an authid, so the ticket parser refuses it), cannot
 * be renewed, and lives only PARTIAL_TICKET_LIFETIME_S.
 */
import { sign, verify } from "node:crypto";
import type { KeyObject } from "node:crypto";
import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";

export const PARTIAL_TICKET_PREFIX = "PBS:!tfa!";
/** PBS checks partial tickets with the time frame -60..600 (authenticate_2nd in api/access.rs). */
export const PARTIAL_TICKET_LIFETIME_S = 600;
export const PARTIAL_TICKET_MAX_SKEW_S = 60;
/** Room for a WebAuthn challenge listing every allowed credential. */
export const PARTIAL_TICKET_MAX_LENGTH = 8192;

/** PBS's `TfaChallenge`: which factors the user may answer with. */
export interface TfaChallenge {
  /** Present (true) when the user has an enabled TOTP entry. */
  totp?: true;
  /** Indices of the unused recovery keys, when the user has a recovery set (maybe empty). */
  recovery?: number[];
  /** The WebAuthn request options, as webauthn-rs's `RequestChallengeResponse` wraps them. */
  webauthn?: { publicKey: PublicKeyCredentialRequestOptionsJSON };
}

const HEX_TIME = /^[0-9A-F]{8}$/;
const SIGNATURE_BASE64 = /^[A-Za-z0-9+/]{86}$/;

function encodeData(data: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what gets encoded
  return data.replace(/[%:\x00-\x1f\x7f]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

function decodeData(data: string): string | null {
  try {
    return decodeURIComponent(data);
  } catch {
    return null;
  }
}

function signedPart(encoded: string, timeS: number): string {
  return `${PARTIAL_TICKET_PREFIX}${encoded}:${timeS.toString(16).toUpperCase().padStart(8, "0")}`;
}

export function createPartialTicket(userid: string, challenge: TfaChallenge, privateKey: KeyObject, nowS: number): string {
  const signed = signedPart(encodeData(JSON.stringify(challenge)), nowS);
  const signature = sign(null, Buffer.from(`${signed}:${userid}`, "utf8"), privateKey)
    .toString("base64")
    .replace(/=+$/, "");
  return `${signed}::${signature}`;
}

export function isPartialTicket(raw: string): boolean {
  return raw.startsWith(PARTIAL_TICKET_PREFIX);
}

export interface VerifiedPartialTicket {
  challenge: TfaChallenge;
  issuedAt: number;
}

/** The challenge when `raw` is a partial ticket of `userid`, signed by us and within its time frame; else null. */
export function verifyPartialTicket(raw: string, userid: string, publicKey: KeyObject, nowS: number): VerifiedPartialTicket | null {
  if (raw.length > PARTIAL_TICKET_MAX_LENGTH || !isPartialTicket(raw)) return null;
  const separator = raw.lastIndexOf("::");
  if (separator < 0) return null;
  const signed = raw.slice(0, separator);
  const encodedSignature = raw.slice(separator + 2);
  const timeSeparator = signed.lastIndexOf(":");
  const hexTime = signed.slice(timeSeparator + 1);
  const encoded = signed.slice(PARTIAL_TICKET_PREFIX.length, timeSeparator);
  if (timeSeparator < PARTIAL_TICKET_PREFIX.length || !HEX_TIME.test(hexTime) || encoded.includes(":")) return null;
  if (!SIGNATURE_BASE64.test(encodedSignature)) return null;
  const issuedAt = Number.parseInt(hexTime, 16);
  const age = nowS - issuedAt;
  if (age < -PARTIAL_TICKET_MAX_SKEW_S || age >= PARTIAL_TICKET_LIFETIME_S) return null;
  let valid: boolean;
  try {
    valid = verify(null, Buffer.from(`${signed}:${userid}`, "utf8"), publicKey, Buffer.from(encodedSignature, "base64"));
  } catch {
    return null;
  }
  if (!valid) return null;
  const json = decodeData(encoded);
  if (json === null) return null;
  try {
    const challenge: unknown = JSON.parse(json);
    if (typeof challenge !== "object" || challenge === null || Array.isArray(challenge)) return null;
    return { challenge, issuedAt };
  } catch {
    return null;
  }
}
