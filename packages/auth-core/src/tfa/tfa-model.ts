/**
 * The second factors of one user as stored (`tfa.json` in the data dir, or a row of
 * the `tfa_users` table), after PBS's `TfaUserData` (proxmox-tfa src/api/mod.rs):
 * kebab-case keys, one list per kind, the recovery set, the lockout state, and the
 * failure counters and pending WebAuthn challenges PBS keeps in a per-user file
 * under /run. Everything is parsed with zod on the way in: a store that does not
 * parse is reported, never silently emptied.
 */
import { z } from "zod";

/** PBS's `TfaInfo`: what the API shows of an entry. */
const entryInfoShape = {
  id: z.string().min(1).max(64),
  description: z.string().max(255).default(""),
  created: z.number().int(),
  enable: z.boolean().default(true),
};

export const totpEntrySchema = z.object({
  ...entryInfoShape,
  /** The `otpauth://totp/...` URI: the secret must be recoverable to compute codes. */
  totp: z.string().min(1).max(1024),
  /** The time step of the last accepted code; a code of this step or earlier is a replay. */
  "last-count": z.number().int().optional(),
});

export const webauthnEntrySchema = z.object({
  ...entryInfoShape,
  /** Credential id, base64url. */
  "credential-id": z.string().min(1).max(1024),
  /** COSE public key, base64url. */
  "public-key": z.string().min(1).max(4096),
  /** The authenticator's signature counter (0 for authenticators that keep none). */
  counter: z.number().int().min(0),
  transports: z.array(z.string().max(32)).max(8).optional(),
});

/** Ten keys, each kept as its own argon2id hash; a used key becomes null so the others keep their index. */
export const recoverySchema = z.object({
  entries: z.array(z.string().min(1).max(512).nullable()).min(1).max(32),
  created: z.number().int(),
});

export const pendingChallengeSchema = z.object({
  kind: z.enum(["webauthn-registration", "webauthn-login"]),
  /** The challenge as sent to the browser (base64url). */
  challenge: z.string().min(1).max(256),
  created: z.number().int(),
  /** Registration only: the description the entry will get. */
  description: z.string().max(255).optional(),
});

export const tfaUserDataSchema = z.object({
  totp: z.array(totpEntrySchema).default([]),
  webauthn: z.array(webauthnEntrySchema).default([]),
  recovery: recoverySchema.optional(),
  /** Set after TOTP_FAILURE_LIMIT wrong codes in a row; cleared by a recovery key or an admin. */
  "totp-locked": z.boolean().default(false),
  /** Epoch seconds: every second factor is refused until then. */
  "tfa-locked-until": z.number().int().optional(),
  "totp-failures": z.number().int().min(0).default(0),
  "tfa-failures": z.number().int().min(0).default(0),
  challenges: z.array(pendingChallengeSchema).default([]),
});

export const tfaDocumentSchema = z.object({
  users: z.record(z.string(), tfaUserDataSchema).default({}),
});

export type TotpEntry = z.output<typeof totpEntrySchema>;
export type WebauthnEntry = z.output<typeof webauthnEntrySchema>;
export type RecoverySet = z.output<typeof recoverySchema>;
export type PendingChallenge = z.output<typeof pendingChallengeSchema>;
export type TfaUserData = z.output<typeof tfaUserDataSchema>;
export type TfaDocument = z.output<typeof tfaDocumentSchema>;

export function emptyTfaUserData(): TfaUserData {
  return { totp: [], webauthn: [], "totp-locked": false, "totp-failures": 0, "tfa-failures": 0, challenges: [] };
}

/** Whether the record holds nothing worth keeping: no factor, no lock, no counter, no challenge. */
export function isDisposableTfaUserData(data: TfaUserData, nowS: number): boolean {
  return (
    data.totp.length === 0 &&
    data.webauthn.length === 0 &&
    data.recovery === undefined &&
    !data["totp-locked"] &&
    !isTfaLocked(data, nowS) &&
    data["totp-failures"] === 0 &&
    data["tfa-failures"] === 0 &&
    data.challenges.length === 0
  );
}

/** Whether the user has any second factor at all, enabled or not (PBS's `!is_empty()`). */
export function hasAnySecondFactor(data: TfaUserData | undefined): boolean {
  return data !== undefined && (data.totp.length > 0 || data.webauthn.length > 0 || data.recovery !== undefined);
}

export function isTfaLocked(data: TfaUserData, nowS: number): boolean {
  const until = data["tfa-locked-until"];
  return until !== undefined && nowS < until;
}

/** Serialises without the defaults, so an untouched file stays small and reads like PBS's. */
export function compactTfaUserData(data: TfaUserData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (data.totp.length > 0) out.totp = data.totp;
  if (data.webauthn.length > 0) out.webauthn = data.webauthn;
  if (data.recovery !== undefined) out.recovery = data.recovery;
  if (data["totp-locked"]) out["totp-locked"] = true;
  if (data["tfa-locked-until"] !== undefined) out["tfa-locked-until"] = data["tfa-locked-until"];
  if (data["totp-failures"] !== 0) out["totp-failures"] = data["totp-failures"];
  if (data["tfa-failures"] !== 0) out["tfa-failures"] = data["tfa-failures"];
  if (data.challenges.length > 0) out.challenges = data.challenges;
  return out;
}
