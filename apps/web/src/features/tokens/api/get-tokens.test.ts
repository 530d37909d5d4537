import { describe, expect, it } from "vitest";
import { toTokenList } from "./get-tokens.js";

describe("toTokenList", () => {
  it("flattens embedded tokens into sorted rows with PBS defaults filled in", () => {
    const list = toTokenList([
      { userid: "zed@pbs", tokens: [{ tokenid: "zed@pbs!b", "token-name": "b", enable: 0, expire: 99, comment: "c" }] },
      { userid: "amy@pbs", tokens: [{ tokenid: "amy@pbs!ci" }] },
      { userid: "bob@pbs" },
    ]);
    expect(list.userids).toEqual(["amy@pbs", "bob@pbs", "zed@pbs"]);
    expect(list.tokens).toEqual([
      { tokenid: "amy@pbs!ci", userid: "amy@pbs", tokenName: "ci", enable: true, expire: 0, comment: "", status: "active" },
      { tokenid: "zed@pbs!b", userid: "zed@pbs", tokenName: "b", enable: false, expire: 99, comment: "c", status: "disabled" },
    ]);
  });
});

describe("token status", () => {
  const NOW_S = 1_900_000_000;

  it("takes the server's status when the row carries one", () => {
    const list = toTokenList([{ userid: "a@pbs", tokens: [{ tokenid: "a@pbs!x", status: "owner-expired" }] }], NOW_S);
    expect(list.tokens[0]?.status).toBe("owner-expired");
  });

  it("shows the tokens of a disabled user as owner disabled, not enabled (issue 18)", () => {
    const list = toTokenList([{ userid: "a@pbs", enable: 0, tokens: [{ tokenid: "a@pbs!x", enable: 1 }] }], NOW_S);
    expect(list.tokens[0]?.status).toBe("owner-disabled");
  });

  it("tells an expired token from an expired owner", () => {
    const list = toTokenList(
      [
        { userid: "a@pbs", expire: NOW_S - 1, tokens: [{ tokenid: "a@pbs!x" }] },
        { userid: "b@pbs", tokens: [{ tokenid: "b@pbs!y", expire: NOW_S }] },
      ],
      NOW_S,
    );
    expect(list.tokens.map((token) => token.status)).toEqual(["owner-expired", "expired"]);
  });
});
