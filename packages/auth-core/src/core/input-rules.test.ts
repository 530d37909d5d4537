import { describe, expect, it } from "vitest";
import { InvalidParameterError } from "./errors.js";
import {
  hasForbiddenTextCharacter,
  invalidParameter,
  requireAclPath,
  requireAuthid,
  requireDeletable,
  requireExpire,
  requirePassword,
  requireTextFields,
  requireTokenId,
  requireUserid,
  replaceForbiddenTextCharacters,
  TOKEN_TEXT_FIELDS,
  USER_TEXT_FIELDS,
} from "./input-rules.js";

/** The InvalidParameterError `run` throws, so a test can check which parameter it blames. */
function refusalOf(run: () => unknown): InvalidParameterError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidParameterError) return error;
    throw error;
  }
  throw new Error("expected an InvalidParameterError, but nothing was thrown");
}

/** 9999-12-31T23:59:59Z, the largest expiry accepted. */
const LAST_ACCEPTED_EXPIRE = 253_402_300_799;

describe("invalidParameter", () => {
  it("names the parameter in the message and in the per-parameter map", () => {
    const error = invalidParameter("expire", "too large");
    expect(error).toBeInstanceOf(InvalidParameterError);
    expect(error.message).toBe("invalid expire: too large");
    expect(error.errors).toEqual({ expire: "too large" });
  });
});

describe("requireUserid", () => {
  it("returns the parsed userid and realm", () => {
    expect(requireUserid("alice@pbs")).toMatchObject({ userid: "alice@pbs", realm: "pbs" });
  });

  it("blames the userid parameter for a malformed one, and for a token id", () => {
    expect(Object.keys(refusalOf(() => requireUserid("alice")).errors)).toEqual(["userid"]);
    expect(Object.keys(refusalOf(() => requireUserid("")).errors)).toEqual(["userid"]);
    expect(refusalOf(() => requireUserid("alice@pbs!ci")).errors).toHaveProperty("userid");
  });
});

describe("requireAuthid", () => {
  it("accepts a user or a token id", () => {
    expect(requireAuthid("alice@pbs")).toBe("alice@pbs");
    expect(requireAuthid("alice@pbs!ci")).toBe("alice@pbs!ci");
  });

  it("blames auth-id for anything else", () => {
    for (const bad of ["alice", "alice@pbs!", "alice@pbs!c i", "a b@pbs"]) {
      expect(Object.keys(refusalOf(() => requireAuthid(bad)).errors)).toEqual(["auth-id"]);
    }
  });
});

describe("requireTokenId", () => {
  it("joins a userid and a token name into the token's authid", () => {
    expect(requireTokenId("alice@pbs", "ci")).toEqual({ userid: "alice@pbs", authid: "alice@pbs!ci" });
  });

  it("blames userid for a bad owner and token-name for a bad name", () => {
    expect(Object.keys(refusalOf(() => requireTokenId("alice", "ci")).errors)).toEqual(["userid"]);
    expect(Object.keys(refusalOf(() => requireTokenId("alice@pbs", "")).errors)).toEqual(["token-name"]);
    expect(Object.keys(refusalOf(() => requireTokenId("alice@pbs", "a!b")).errors)).toEqual(["token-name"]);
  });

  it("blames token-name when the joined id outgrows the authid limit", () => {
    const longUser = `${"u".repeat(56)}@pbs`;
    expect(requireTokenId(longUser, "abc").authid).toHaveLength(64);
    expect(Object.keys(refusalOf(() => requireTokenId(longUser, "abcd")).errors)).toEqual(["token-name"]);
  });
});

describe("requireAclPath", () => {
  it("returns a valid path unchanged and blames path otherwise", () => {
    expect(requireAclPath("/access/users")).toBe("/access/users");
    expect(Object.keys(refusalOf(() => requireAclPath("access")).errors)).toEqual(["path"]);
  });
});

describe("requireExpire", () => {
  it("accepts 0 (never) and epoch seconds up to the end of year 9999", () => {
    expect(requireExpire(0)).toBe(0);
    expect(requireExpire(1)).toBe(1);
    expect(requireExpire(LAST_ACCEPTED_EXPIRE)).toBe(LAST_ACCEPTED_EXPIRE);
  });

  it("refuses one second past the bound, negatives, fractions and non-finite numbers", () => {
    for (const bad of [LAST_ACCEPTED_EXPIRE + 1, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(refusalOf(() => requireExpire(bad)).errors).toEqual({ expire: "must be 0 (never) or epoch seconds" });
    }
  });
});

describe("requirePassword", () => {
  it("accepts 5 to 1024 characters", () => {
    expect(() => requirePassword("12345")).not.toThrow();
    expect(() => requirePassword("x".repeat(1024))).not.toThrow();
  });

  it("refuses 4 characters and 1025, naming the bounds", () => {
    for (const bad of ["1234", "x".repeat(1025), ""]) {
      expect(refusalOf(() => requirePassword(bad)).errors).toEqual({ password: "must be 5 to 1024 characters" });
    }
  });
});

describe("requireTextFields", () => {
  it("copies only the listed fields that are present", () => {
    const input = { comment: "c", email: "a@example.com", firstname: undefined, userid: "ignored" };
    expect(requireTextFields(input, USER_TEXT_FIELDS)).toEqual({ comment: "c", email: "a@example.com" });
    const userFieldsOnAToken = { comment: "c", email: "e" };
    expect(requireTextFields(userFieldsOnAToken, TOKEN_TEXT_FIELDS)).toEqual({ comment: "c" });
  });

  it("accepts up to 256 characters, including non-ASCII text and an empty string", () => {
    expect(requireTextFields({ comment: "x".repeat(256) }, TOKEN_TEXT_FIELDS).comment).toHaveLength(256);
    expect(requireTextFields({ comment: "Grüße, 世界" }, TOKEN_TEXT_FIELDS)).toEqual({ comment: "Grüße, 世界" });
    expect(requireTextFields({ comment: "" }, TOKEN_TEXT_FIELDS)).toEqual({ comment: "" });
  });

  it("refuses 257 characters and any control character, blaming the field", () => {
    for (const bad of ["x".repeat(257), "two\nlines", "tab\there", "nul\u0000", "del\u007f"]) {
      const refusal = refusalOf(() => requireTextFields({ firstname: "ok", lastname: bad }, USER_TEXT_FIELDS));
      expect(Object.keys(refusal.errors)).toEqual(["lastname"]);
    }
  });
});

describe("the control and bidi character rule (issue 15, finding 10)", () => {
  const refused = [
    "\u0080",
    "\u0085",
    "\u009b[31m",
    "\u009f",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
  ];

  it("refuses every C1 control and every bidi embedding, override and isolate in comments and names", () => {
    for (const bad of refused) {
      expect(hasForbiddenTextCharacter(`a${bad}b`), JSON.stringify(bad)).toBe(true);
      const refusal = refusalOf(() => requireTextFields({ comment: `invoice ${bad}fdp.exe` }, TOKEN_TEXT_FIELDS));
      expect(Object.keys(refusal.errors)).toEqual(["comment"]);
      expect(() => requireTextFields({ firstname: `A${bad}` }, USER_TEXT_FIELDS)).toThrow(InvalidParameterError);
      // User and token names: the id parser refuses every format and control character.
      expect(() => requireUserid(`ev${bad}il@pbs`)).toThrow(InvalidParameterError);
      expect(() => requireTokenId("alice@pbs", `t${bad}k`)).toThrow(InvalidParameterError);
    }
  });

  it("keeps the characters just outside those ranges, and replaces the refused ones for display", () => {
    for (const fine of ["\u00a0", "\u00e9", "\u2010", "\u2070", "\u206a"]) {
      expect(hasForbiddenTextCharacter(`a${fine}b`), JSON.stringify(fine)).toBe(false);
    }
    expect(replaceForbiddenTextCharacters("a\u202eb\nc\u0085", "?")).toBe("a?b?c?");
  });
});

describe("requireDeletable", () => {
  it("returns nothing to delete when no names are given", () => {
    expect(requireDeletable(undefined, USER_TEXT_FIELDS)).toEqual([]);
    expect(requireDeletable([], USER_TEXT_FIELDS)).toEqual([]);
  });

  it("accepts the clearable fields in the order given", () => {
    expect(requireDeletable(["email", "comment"], USER_TEXT_FIELDS)).toEqual(["email", "comment"]);
  });

  it("refuses a field the record cannot clear, and names the first one refused", () => {
    expect(refusalOf(() => requireDeletable(["comment", "enable"], USER_TEXT_FIELDS)).errors).toEqual({
      delete: "cannot delete property 'enable'",
    });
    expect(refusalOf(() => requireDeletable(["email"], TOKEN_TEXT_FIELDS)).errors).toHaveProperty("delete");
    expect(refusalOf(() => requireDeletable(["__proto__"], USER_TEXT_FIELDS)).errors).toHaveProperty("delete");
  });
});
