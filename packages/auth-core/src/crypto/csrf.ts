/**
 * CSRFPreventionToken: `<HEXTIME>:<base64url-nopad HMAC-SHA256(key, "<HEXTIME>:<userid>:")>`.
 * A cookie is sent by the browser on its own; this token is not, so a forged
 * cross-site request cannot carry it.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { isWithinTicketWindow } from "./ticket.js";

/** HMAC-SHA256 needs a key of at least its output size to give full strength; 16 bytes is the floor. */
export const CSRF_KEY_MIN_BYTES = 16;
/** 32 HMAC bytes are 43 base64url characters without padding. */
const CSRF_TOKEN = /^([0-9A-F]{8}):([A-Za-z0-9_-]{43})$/;
/** 8 hex digits, a colon and 43 characters. */
const CSRF_TOKEN_LENGTH = 52;

function requireKey(key: Buffer): void {
  if (key.length < CSRF_KEY_MIN_BYTES) {
    throw new RangeError(`the CSRF key must be at least ${CSRF_KEY_MIN_BYTES} bytes, got ${key.length}`);
  }
}

function computeDigest(hexTime: string, userid: string, key: Buffer): string {
  return createHmac("sha256", key).update(`${hexTime}:${userid}:`, "utf8").digest("base64url");
}

export function createCsrfToken(userid: string, key: Buffer, nowS: number): string {
  requireKey(key);
  if (!Number.isInteger(nowS) || nowS < 0 || nowS > 0xffffffff) {
    throw new RangeError(`CSRF token time must be an integer in 0..0xFFFFFFFF, got ${nowS}`);
  }
  const hexTime = nowS.toString(16).toUpperCase().padStart(8, "0");
  return `${hexTime}:${computeDigest(hexTime, userid, key)}`;
}

/** True when `token` was made for `userid` with `key` within the ticket time window. */
export function verifyCsrfToken(token: string, userid: string, key: Buffer, nowS: number): boolean {
  requireKey(key);
  if (token.length !== CSRF_TOKEN_LENGTH) return false;
  const match = CSRF_TOKEN.exec(token);
  if (match === null) return false;
  const [, hexTime = "", digest = ""] = match;
  if (!isWithinTicketWindow(Number.parseInt(hexTime, 16), nowS)) return false;
  const expected = Buffer.from(computeDigest(hexTime, userid, key), "ascii");
  // Both are 43 ASCII characters here, as timingSafeEqual requires equal lengths.
  return timingSafeEqual(Buffer.from(digest, "ascii"), expected);
}
