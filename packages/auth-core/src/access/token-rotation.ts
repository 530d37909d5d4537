/**
 * Rotation with overlap (issue 14, decision 031). A rotation with a grace period
 * keeps the replaced secret's hash as the second line of the token's stored hash
 * and sets the token's `previousSecretUntil`. Until that second the old secret is
 * accepted besides the new one; from it on it is refused everywhere by comparing
 * the clock with the deadline, so nothing has to be written when it passes.
 *
 * grace = 0 (the default) stores the new hash alone and drops any previous one:
 * exactly PBS's rotation, and I1 as before.
 */
import { invalidParameter } from "../core/input-rules.js";
import type { AccessState, TokenRecord } from "../core/model.js";

/** The longest overlap: a week covers a weekly deploy; anything longer is a second credential, not a rotation. */
export const ROTATION_GRACE_MAX_S = 7 * 24 * 3600;
const HASH_SEPARATOR = "\n";

export function requireRotationGrace(grace: number | undefined, regenerate: boolean): number {
  if (grace === undefined || grace === 0) return 0;
  if (!Number.isSafeInteger(grace) || grace < 0 || grace > ROTATION_GRACE_MAX_S) {
    throw invalidParameter("grace", `expected whole seconds 0..${ROTATION_GRACE_MAX_S}`);
  }
  if (!regenerate) throw invalidParameter("grace", "only with regenerate=1");
  return grace;
}

/** The stored hash of a token split into the current secret's hash and, during an overlap, the previous one's. */
export function splitStoredTokenHash(stored: string): { current: string; previous: string | undefined } {
  const separator = stored.indexOf(HASH_SEPARATOR);
  if (separator < 0) return { current: stored, previous: undefined };
  return { current: stored.slice(0, separator), previous: stored.slice(separator + 1) };
}

/**
 * Installs `newHash` as the token's secret. With a grace, the secret that was
 * current until now stays valid until `nowS + graceS`; an older previous secret
 * (from an overlap still running) is dropped at once.
 */
export function rotateTokenSecret(state: AccessState, token: TokenRecord, newHash: string, graceS: number, nowS: number): void {
  const stored = Object.hasOwn(state.tokenHashes, token.tokenid) ? state.tokenHashes[token.tokenid] : undefined;
  if (graceS > 0 && stored !== undefined) {
    state.tokenHashes[token.tokenid] = `${newHash}${HASH_SEPARATOR}${splitStoredTokenHash(stored).current}`;
    token.previousSecretUntil = nowS + graceS;
    return;
  }
  state.tokenHashes[token.tokenid] = newHash;
  delete token.previousSecretUntil;
}

/** Whether the previous secret of `token` is still inside its overlap at `nowS`. */
export function isPreviousSecretLive(token: TokenRecord | undefined, nowS: number): boolean {
  return token?.previousSecretUntil !== undefined && nowS < token.previousSecretUntil;
}
