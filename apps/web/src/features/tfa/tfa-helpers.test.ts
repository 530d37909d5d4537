import { Secret, TOTP } from "otpauth";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../lib/api-error.js";
import { toTfaUserRow } from "./api/get-tfa.js";
import { factorName, factorStatus, lockState, summarizeFactors } from "./factor-labels.js";
import { passwordFieldError, summaryError, WRONG_PASSWORD_MESSAGE } from "./password-refusal.js";
import { createTotpEnrolment, groupSecret } from "./totp-enrolment.js";

const NOW_S = 1_780_000_000;

describe("TOTP enrolment", () => {
  it("makes a fresh 160-bit SHA-1, 6-digit, 30 s secret each time, and its URI carries the same secret", () => {
    const first = createTotpEnrolment("alice@pbs");
    const second = createTotpEnrolment("alice@pbs");
    expect(first.secret).not.toBe(second.secret);
    expect(Secret.fromBase32(first.secret).bytes).toHaveLength(20);
    expect(first.uri).toMatch(/^otpauth:\/\/totp\/Gatehouse:alice%40pbs\?/);
    const parsed = new URL(first.uri);
    expect(parsed.searchParams.get("secret")).toBe(first.secret);
    // What an app computes from the URI is what the server computes from the stored URI.
    const fromSecret = new TOTP({ secret: Secret.fromBase32(first.secret) });
    expect(fromSecret.generate({ timestamp: NOW_S * 1000 })).toMatch(/^[0-9]{6}$/);
  });

  it("groups the secret in fours for reading, without losing a character", () => {
    expect(groupSecret("ABCDEFGHIJ")).toBe("ABCD EFGH IJ");
    expect(groupSecret("ABCDEFGH")).toBe("ABCD EFGH");
  });
});

describe("how factors are shown", () => {
  const user = toTfaUserRow({
    userid: "alice@pbs",
    entries: [
      { type: "recovery", id: "recovery", created: NOW_S, available: 1 },
      { type: "totp", id: "t1", description: "phone", created: NOW_S },
      { type: "webauthn", id: "w1", created: NOW_S, enable: false },
      { type: "webauthn", id: "w2", description: "yubikey", created: NOW_S },
    ],
    "totp-locked": true,
    "tfa-locked-until": NOW_S + 60,
  });

  it("names, counts and states each kind", () => {
    expect(user.factors.map(factorName)).toEqual(["recovery keys", "authenticator app phone", "security key", "security key yubikey"]);
    expect(user.factors.map(factorStatus)).toEqual(["1 key left", "Enabled", "Disabled", "Enabled"]);
    expect(summarizeFactors(user)).toBe("1 authenticator app, 2 security keys, recovery keys (1 left)");
  });

  it("says what is locked, and an expired lock no longer counts", () => {
    expect(lockState(user, NOW_S)).toMatch(/^Authenticator app locked; every factor locked until /);
    expect(lockState({ ...user, totpLocked: false }, NOW_S + 61)).toBeNull();
  });
});

describe("the confirming password's refusals", () => {
  it("puts a wrong or missing password on its field and keeps the summary for anything else", () => {
    const wrong = new ApiError(403, "permission check failed: password: not the current password of the logged-in user");
    const missing = new ApiError(400, "parameter verification errors", { password: "the current password of alice@pbs is required" });
    const other = new ApiError(403, "permission check failed");
    expect(passwordFieldError(wrong)).toBe(WRONG_PASSWORD_MESSAGE);
    expect(passwordFieldError(missing)).toMatch(/required/);
    expect(passwordFieldError(other)).toBeNull();
    expect(summaryError(wrong, ["password"])).toBeNull();
    expect(summaryError(missing, ["password"])).toBeNull();
    expect(summaryError(other, ["password"])).toBe(other);
    const mixed = new ApiError(400, "parameter verification errors", { password: "x", type: "y" });
    expect(summaryError(mixed, ["password"])).toBe(mixed);
  });
});
