/** How the console names second factors and their state, in tables, dialogs and button labels. */
import type { FactorRow, FactorType, TfaUserRow } from "./api/get-tfa.js";

export const FACTOR_TYPE_LABELS: Record<FactorType, string> = {
  totp: "Authenticator app (TOTP)",
  webauthn: "Security key (WebAuthn)",
  recovery: "Recovery keys",
  other: "Other",
};

/** e.g. "Authenticator app: Phone", "recovery keys". */
export function factorName(factor: FactorRow): string {
  if (factor.type === "recovery") return "recovery keys";
  const kind = factor.type === "totp" ? "authenticator app" : factor.type === "webauthn" ? "security key" : "second factor";
  return factor.description === "" ? kind : `${kind} ${factor.description}`;
}

export function factorStatus(factor: FactorRow): string {
  if (factor.available !== null) return `${factor.available} ${factor.available === 1 ? "key" : "keys"} left`;
  return factor.enabled ? "Enabled" : "Disabled";
}

/** One line per user in the admin table, e.g. "1 authenticator app, 2 security keys, recovery keys (7 left)". */
export function summarizeFactors(user: TfaUserRow): string {
  const count = (type: FactorType) => user.factors.filter((factor) => factor.type === type).length;
  const parts: string[] = [];
  const apps = count("totp");
  const keys = count("webauthn");
  if (apps > 0) parts.push(`${apps} authenticator ${apps === 1 ? "app" : "apps"}`);
  if (keys > 0) parts.push(`${keys} security ${keys === 1 ? "key" : "keys"}`);
  const recovery = user.factors.find((factor) => factor.type === "recovery");
  if (recovery !== undefined) parts.push(`recovery keys (${recovery.available ?? 0} left)`);
  return parts.length === 0 ? "none" : parts.join(", ");
}

/** The lockout as a sentence, or null when the user is not locked. */
export function lockState(user: TfaUserRow, nowS: number): string | null {
  const parts: string[] = [];
  if (user.totpLocked) parts.push("Authenticator app locked");
  if (user.lockedUntil !== null && user.lockedUntil > nowS) {
    parts.push(`every factor locked until ${new Date(user.lockedUntil * 1000).toLocaleString()}`);
  }
  return parts.length === 0 ? null : parts.join("; ");
}
