/**
 * TOTP (RFC 6238) through the otpauth library: parsing and checking the
 * `otpauth://totp/...` URI a client enrols, and verifying a code with one step of
 * tolerance either way (PBS's `-1..=1` in proxmox-tfa src/api/mod.rs). Replay is
 * decided by the caller from the step this returns: a code is accepted once, and
 * never one of a step at or before the last accepted one.
 */
import { Secret, TOTP, URI } from "otpauth";
import { invalidParameter } from "../core/input-rules.js";

/** Steps either side of the current one a code may come from (clock drift, typing time). */
export const TOTP_WINDOW_STEPS = 1;
/** RFC 4226 asks for at least 128 bits and accepts 80 as the floor. */
const MIN_SECRET_BYTES = 10;
const MAX_SECRET_BYTES = 128;
const ALGORITHMS: ReadonlySet<string> = new Set(["SHA1", "SHA256", "SHA512"]);
const MIN_DIGITS = 6;
const MAX_DIGITS = 8;
const MIN_PERIOD_S = 15;
const MAX_PERIOD_S = 300;
/** What the console generates: 160 bits, the size RFC 4226 recommends for SHA-1. */
const GENERATED_SECRET_BYTES = 20;

/** Parses and checks a TOTP URI; InvalidParameterError (400) on anything unusable. */
export function parseTotpUri(uri: string): TOTP {
  let parsed: ReturnType<typeof URI.parse>;
  try {
    parsed = URI.parse(uri);
  } catch (error) {
    throw invalidParameter("totp", `not an otpauth URI: ${error instanceof Error ? error.message : "unparsable"}`);
  }
  if (!(parsed instanceof TOTP)) throw invalidParameter("totp", "only otpauth://totp/ URIs are supported");
  const bytes = parsed.secret.bytes.length;
  if (bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES) {
    throw invalidParameter("totp", `the secret must be ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes, got ${bytes}`);
  }
  if (!ALGORITHMS.has(parsed.algorithm)) throw invalidParameter("totp", `algorithm must be one of ${[...ALGORITHMS].join(", ")}`);
  if (parsed.digits < MIN_DIGITS || parsed.digits > MAX_DIGITS) {
    throw invalidParameter("totp", `digits must be ${MIN_DIGITS} to ${MAX_DIGITS}`);
  }
  if (!Number.isInteger(parsed.period) || parsed.period < MIN_PERIOD_S || parsed.period > MAX_PERIOD_S) {
    throw invalidParameter("totp", `period must be ${MIN_PERIOD_S} to ${MAX_PERIOD_S} seconds`);
  }
  return parsed;
}

/**
 * The time step of `code` when it is valid at `nowMs` within the window, else null.
 * Only digits of the configured length are tried: anything else is not a code.
 */
export function matchTotpStep(totp: TOTP, code: string, nowMs: number): number | null {
  if (code.length !== totp.digits || !/^[0-9]+$/.test(code)) return null;
  const delta = totp.validate({ token: code, timestamp: nowMs, window: TOTP_WINDOW_STEPS });
  return delta === null ? null : totp.counter({ timestamp: nowMs }) + delta;
}

/** A fresh TOTP URI for the console to show: random secret, SHA-1, 6 digits, 30 s (what authenticator apps support). */
export function generateTotpUri(issuer: string, account: string): string {
  return new TOTP({ issuer, label: account, secret: new Secret({ size: GENERATED_SECRET_BYTES }) }).toString();
}
