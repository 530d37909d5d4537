import { describe, expect, it } from "vitest";
import { parseAuthid, parseUserid } from "./ids.js";

describe("parsed-id memo", () => {
  it("answers a repeated valid id with the same frozen result", () => {
    const first = parseAuthid("memo@pbs!ci");
    expect(first.ok).toBe(true);
    expect(parseAuthid("memo@pbs!ci")).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    if (first.ok) expect(Object.isFrozen(first.value)).toBe(true);
    const user = parseUserid("memo@pbs");
    expect(parseUserid("memo@pbs")).toBe(user);
  });

  it("keeps userids and authids apart, and still refuses what does not parse", () => {
    // As a userid the token id has the realm "pbs!ci", which is invalid; as an authid it is fine.
    expect(parseUserid("memo@pbs!ci").ok).toBe(false);
    expect(parseAuthid("memo@pbs!ci")).toMatchObject({ ok: true, value: { tokenName: "ci" } });
    for (let i = 0; i < 2; i++) expect(parseAuthid("no realm").ok).toBe(false);
  });

  it("stays correct past its bound", () => {
    for (let i = 0; i < 5000; i++) expect(parseAuthid(`u${i}@pbs!t`)).toMatchObject({ ok: true, value: { userid: `u${i}@pbs` } });
    expect(parseAuthid("u1@pbs!t")).toMatchObject({ ok: true, value: { authid: "u1@pbs!t", tokenName: "t" } });
  });
});
