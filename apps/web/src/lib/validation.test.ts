import { describe, expect, it } from "vitest";
import { validateAclPath, validateEmail, validateExpiry, validatePassword, validateTokenName, validateUserid } from "./validation.js";

describe("validateTokenName", () => {
  it("accepts names of the safe-id pattern", () => {
    for (const name of ["ci", "_x", "9.backup-job_2", "a"]) expect(validateTokenName(name)).toBeNull();
  });

  it("rejects names with a bad first character or forbidden characters", () => {
    for (const name of ["-ci", ".ci", "c i", "ci!", "ci/x", "ümlaut", ""]) expect(validateTokenName(name)).not.toBeNull();
  });

  it("rejects a name that makes the token id longer than 64 characters", () => {
    const userid = `${"u".repeat(50)}@pbs`;
    expect(validateTokenName("x".repeat(9), userid)).toBeNull();
    expect(validateTokenName("x".repeat(10), userid)).toMatch(/64/);
  });
});

describe("validateUserid", () => {
  it("accepts name@realm and splits at the last @", () => {
    expect(validateUserid("alice@pbs")).toBeNull();
    expect(validateUserid("alice@example.com@pbs")).toBeNull();
  });

  it("rejects ids without a realm, with a bad realm or with forbidden name characters", () => {
    for (const userid of ["alice", "@pbs", "alice@p", "alice@-bad", "al ice@pbs", "a:b@pbs", "a/b@pbs", ""]) {
      expect(validateUserid(userid)).not.toBeNull();
    }
  });

  it("rejects ids longer than 64 characters", () => {
    expect(validateUserid(`${"a".repeat(60)}@pbs`)).toBeNull();
    expect(validateUserid(`${"a".repeat(61)}@pbs`)).not.toBeNull();
  });
});

describe("validateExpiry", () => {
  const now = 1_700_000_000;

  it("accepts never and future times", () => {
    expect(validateExpiry(0, now)).toBeNull();
    expect(validateExpiry(now + 60, now)).toBeNull();
  });

  it("rejects times in the past and the present second", () => {
    expect(validateExpiry(now - 1, now)).toMatch(/past/);
    expect(validateExpiry(now, now)).toMatch(/past/);
  });

  it("rejects an unreadable value", () => {
    expect(validateExpiry(null, now)).not.toBeNull();
  });
});

describe("validatePassword", () => {
  it("wants at least 8 characters and a matching confirmation", () => {
    expect(validatePassword("short", "short")).not.toBeNull();
    expect(validatePassword("long enough", "long enougH")).toMatch(/differ/);
    expect(validatePassword("long enough", "long enough")).toBeNull();
  });
});

describe("validateAclPath", () => {
  it("accepts absolute paths without trailing slash", () => {
    for (const path of ["/", "/access", "/access/users"]) expect(validateAclPath(path)).toBeNull();
  });

  it("rejects relative, trailing-slash, spaced and empty-segment paths", () => {
    for (const path of ["access", "/access/", "/a b", "/a//b", ""]) expect(validateAclPath(path)).not.toBeNull();
  });
});

describe("validateEmail", () => {
  it("allows an empty field and rejects an address without a domain", () => {
    expect(validateEmail("")).toBeNull();
    expect(validateEmail("a@example.com")).toBeNull();
    expect(validateEmail("a@")).not.toBeNull();
  });
});
