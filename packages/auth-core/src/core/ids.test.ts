import { describe, expect, it } from "vitest";
import {
  decodeApiTokenSecret,
  isTokenAuthid,
  parseApiTokenHeader,
  parseAuthid,
  parseTokenName,
  parseUserid,
  splitApiTokenHeader,
} from "./ids.js";

const SECRET = "0b5b8e5e-6a43-4f6f-9b0e-3f1c2a7d9e11";

function userOf(name: string, realm = "pbs"): string {
  return `${name}@${realm}`;
}

describe("parseUserid", () => {
  it("splits a plain userid into name and realm", () => {
    expect(parseUserid("alice@pbs")).toEqual({ ok: true, value: { userid: "alice@pbs", name: "alice", realm: "pbs" } });
  });

  it("splits at the last @ so that the name may contain @", () => {
    expect(parseUserid("alice@example.com@pbs")).toEqual({
      ok: true,
      value: { userid: "alice@example.com@pbs", name: "alice@example.com", realm: "pbs" },
    });
  });

  it("refuses a string without @", () => {
    expect(parseUserid("alicepbs").ok).toBe(false);
  });

  it("refuses an empty name", () => {
    expect(parseUserid("@pbs").ok).toBe(false);
  });

  it("refuses an empty realm", () => {
    expect(parseUserid("alice@").ok).toBe(false);
  });

  it("refuses whitespace, colon and slash in the name", () => {
    for (const name of ["al ice", "al\tice", "al:ice", "al/ice", "alice\u00a0", "al\u2028ice"]) {
      expect(parseUserid(userOf(name)).ok, JSON.stringify(name)).toBe(false);
    }
  });

  it("refuses control, format and lone surrogate characters in the name", () => {
    for (const name of ["al\u0000ice", "al\u007fice", "al\u0085ice", "al\u200bice", "al\u202eice", "al\ud800ice"]) {
      expect(parseUserid(userOf(name)).ok, JSON.stringify(name)).toBe(false);
    }
  });

  it("accepts printable unicode in the name", () => {
    expect(parseUserid("jürgen@pbs").ok).toBe(true);
    expect(parseUserid("名前@pbs").ok).toBe(true);
    expect(parseUserid("😀@pbs").ok).toBe(true);
  });

  it("accepts a realm of 2 and 32 characters and refuses 1 and 33", () => {
    expect(parseUserid(userOf("a", "pb")).ok).toBe(true);
    expect(parseUserid(userOf("a", "p")).ok).toBe(false);
    expect(parseUserid(userOf("a", "r".repeat(32))).ok).toBe(true);
    expect(parseUserid(userOf("a", "r".repeat(33))).ok).toBe(false);
  });

  it("refuses realms with characters outside the safe-id pattern", () => {
    for (const realm of [".pbs", "-pbs", "pb s", "pb@s", "pb!s", "pbß", "pb/s"]) {
      expect(parseUserid(userOf("alice", realm)).ok, realm).toBe(false);
    }
    expect(parseUserid(userOf("alice", "_my.realm-1")).ok).toBe(true);
  });

  it("accepts 64 characters in total and refuses 65", () => {
    const at64 = userOf("n".repeat(60));
    expect(at64.length).toBe(64);
    expect(parseUserid(at64).ok).toBe(true);
    expect(parseUserid(userOf("n".repeat(61))).ok).toBe(false);
  });

  it("counts characters, not UTF-16 units, against the length limit", () => {
    const emoji64 = userOf("😀".repeat(60));
    expect(emoji64.length).toBe(124);
    expect(parseUserid(emoji64).ok).toBe(true);
    expect(parseUserid(userOf("😀".repeat(61))).ok).toBe(false);
  });

  it("refuses strings shorter than 3 characters", () => {
    expect(parseUserid("").ok).toBe(false);
    expect(parseUserid("@p").ok).toBe(false);
  });

  it("treats a bang before the realm as part of the name", () => {
    expect(parseUserid("a!b@pbs")).toEqual({ ok: true, value: { userid: "a!b@pbs", name: "a!b", realm: "pbs" } });
  });

  it("refuses a token authid as a userid", () => {
    expect(parseUserid("alice@pbs!ci").ok).toBe(false);
  });
});

describe("parseTokenName", () => {
  it("accepts safe ids", () => {
    for (const name of ["t", "ci", "_x", "9lives", "build.bot-2"]) {
      expect(parseTokenName(name), name).toEqual({ ok: true, value: name });
    }
  });

  it("refuses the empty string, a leading dot or dash, and unsafe characters", () => {
    for (const name of ["", ".ci", "-ci", "c i", "c:i", "c/i", "c@i", "c!i", "çi", ".."]) {
      expect(parseTokenName(name).ok, name).toBe(false);
    }
  });

  it("accepts 64 characters and refuses 65", () => {
    expect(parseTokenName("t".repeat(64)).ok).toBe(true);
    expect(parseTokenName("t".repeat(65)).ok).toBe(false);
  });
});

describe("parseAuthid", () => {
  it("parses a user authid with a null token name", () => {
    expect(parseAuthid("alice@pbs")).toEqual({
      ok: true,
      value: { authid: "alice@pbs", userid: "alice@pbs", name: "alice", realm: "pbs", tokenName: null },
    });
  });

  it("parses a token authid into its user and token name", () => {
    expect(parseAuthid("alice@pbs!ci")).toEqual({
      ok: true,
      value: { authid: "alice@pbs!ci", userid: "alice@pbs", name: "alice", realm: "pbs", tokenName: "ci" },
    });
  });

  it("keeps a bang inside the user name apart from the token separator", () => {
    expect(parseAuthid("a!b@pbs!ci")).toMatchObject({ ok: true, value: { userid: "a!b@pbs", tokenName: "ci" } });
    expect(parseAuthid("a!b@pbs")).toMatchObject({ ok: true, value: { userid: "a!b@pbs", tokenName: null } });
  });

  it("refuses an empty token name and an invalid one", () => {
    expect(parseAuthid("alice@pbs!").ok).toBe(false);
    expect(parseAuthid("alice@pbs!.x").ok).toBe(false);
    expect(parseAuthid("alice@pbs!a!b").ok).toBe(false);
  });

  it("refuses a token whose user part is invalid", () => {
    expect(parseAuthid("@pbs!ci").ok).toBe(false);
    expect(parseAuthid("alice@p!ci").ok).toBe(false);
    expect(parseAuthid("al ice@pbs!ci").ok).toBe(false);
  });

  it("accepts 64 characters in total and refuses 65", () => {
    const at64 = `${userOf("n".repeat(57))}!ci`;
    expect(at64.length).toBe(64);
    expect(parseAuthid(at64).ok).toBe(true);
    expect(parseAuthid(`${userOf("n".repeat(58))}!ci`).ok).toBe(false);
  });

  it("refuses the empty string and strings without a realm", () => {
    expect(parseAuthid("").ok).toBe(false);
    expect(parseAuthid("ab").ok).toBe(false);
    expect(parseAuthid("alice!ci").ok).toBe(false);
  });
});

describe("isTokenAuthid", () => {
  it("is true only for well-formed token authids", () => {
    expect(isTokenAuthid("alice@pbs!ci")).toBe(true);
    expect(isTokenAuthid("alice@pbs")).toBe(false);
    expect(isTokenAuthid("a!b@pbs")).toBe(false);
    expect(isTokenAuthid("alice@pbs!")).toBe(false);
    expect(isTokenAuthid("garbage!")).toBe(false);
  });
});

describe("parseApiTokenHeader", () => {
  it("parses the = form", () => {
    expect(parseApiTokenHeader(`PBSAPIToken=alice@pbs!ci:${SECRET}`)).toEqual({
      ok: true,
      value: { authid: "alice@pbs!ci", secret: SECRET },
    });
  });

  it("parses the space form", () => {
    expect(parseApiTokenHeader(`PBSAPIToken alice@pbs!ci:${SECRET}`)).toEqual({
      ok: true,
      value: { authid: "alice@pbs!ci", secret: SECRET },
    });
  });

  it("splits at the first colon so that the secret may contain colons", () => {
    expect(parseApiTokenHeader("PBSAPIToken=alice@pbs!ci:a:b:c")).toEqual({
      ok: true,
      value: { authid: "alice@pbs!ci", secret: "a:b:c" },
    });
  });

  it("percent-decodes the secret", () => {
    expect(parseApiTokenHeader("PBSAPIToken=alice@pbs!ci:0b5b8e5e%2D6a43%3a%C3%BC")).toEqual({
      ok: true,
      value: { authid: "alice@pbs!ci", secret: "0b5b8e5e-6a43:ü" },
    });
  });

  it("returns an error instead of throwing on malformed percent-encoding", () => {
    for (const secret of ["%", "%zz", "abc%4", "%C3", "%ED%A0%80"]) {
      expect(parseApiTokenHeader(`PBSAPIToken=alice@pbs!ci:${secret}`).ok, secret).toBe(false);
    }
  });

  it("refuses a user authid", () => {
    expect(parseApiTokenHeader(`PBSAPIToken=alice@pbs:${SECRET}`).ok).toBe(false);
  });

  it("refuses other schemes and a missing prefix", () => {
    for (const header of [`Bearer ${SECRET}`, `pbsapitoken=alice@pbs!ci:${SECRET}`, `alice@pbs!ci:${SECRET}`, ""]) {
      expect(parseApiTokenHeader(header).ok, header).toBe(false);
    }
  });

  it("refuses a missing colon, an empty authid and an empty secret", () => {
    expect(parseApiTokenHeader("PBSAPIToken=alice@pbs!ci").ok).toBe(false);
    expect(parseApiTokenHeader(`PBSAPIToken=:${SECRET}`).ok).toBe(false);
    expect(parseApiTokenHeader("PBSAPIToken=alice@pbs!ci:").ok).toBe(false);
  });

  it("refuses an oversized header before decoding it", () => {
    expect(parseApiTokenHeader(`PBSAPIToken=alice@pbs!ci:${"%41".repeat(2000)}`).ok).toBe(false);
  });
});

describe("splitApiTokenHeader and decodeApiTokenSecret", () => {
  it("cut at the first colon after either prefix and leave both parts unchecked", () => {
    expect(splitApiTokenHeader(`PBSAPIToken=alice@pbs!ci:${SECRET}`)).toEqual({
      ok: true,
      value: { authid: "alice@pbs!ci", encodedSecret: SECRET },
    });
    expect(splitApiTokenHeader(`PBSAPIToken  bob@pbs:a:b `)).toEqual({ ok: true, value: { authid: "bob@pbs", encodedSecret: "a:b" } });
    for (const header of ["Basic abc", "PBSAPIToken=no-colon", `PBSAPITOKEN=alice@pbs!ci:${SECRET}`, `PBSAPIToken=${"a".repeat(1100)}:x`]) {
      expect(splitApiTokenHeader(header).ok, header).toBe(false);
    }
  });

  it("decode the secret, refusing malformed percent-encoding and an empty secret", () => {
    expect(decodeApiTokenSecret(SECRET)).toBe(SECRET);
    expect(decodeApiTokenSecret("a%3Ab")).toBe("a:b");
    expect(decodeApiTokenSecret("%E0%A4%A")).toBeNull();
    expect(decodeApiTokenSecret("")).toBeNull();
  });
});
