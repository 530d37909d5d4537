/**
 * A fresh TOTP secret for enrolment, made in the browser as PBS's console does, with
 * the otpauth library: 160 random bits (RFC 4226's recommended size for SHA-1), SHA-1,
 * 6 digits, 30 s, the parameters every authenticator app supports and the server
 * accepts (auth-core tfa/totp.ts). The server stores it only once a code proves the
 * app holds it.
 */
import { Secret, TOTP } from "otpauth";

const SECRET_BYTES = 20;
const ISSUER = "Gatehouse";

export interface TotpEnrolment {
  /** `otpauth://totp/...`, what the QR code carries and the server stores. */
  uri: string;
  /** The secret in base32, for typing into an app by hand. */
  secret: string;
}

export function createTotpEnrolment(userid: string): TotpEnrolment {
  const totp = new TOTP({ issuer: ISSUER, label: userid, secret: new Secret({ size: SECRET_BYTES }) });
  return { uri: totp.toString(), secret: totp.secret.base32 };
}

/** The secret in groups of four, easier to read off and type; spaces are ignored by apps. */
export function groupSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, "$1 ");
}
