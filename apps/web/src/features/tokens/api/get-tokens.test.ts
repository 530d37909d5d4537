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
      { tokenid: "amy@pbs!ci", userid: "amy@pbs", tokenName: "ci", enable: true, expire: 0, comment: "" },
      { tokenid: "zed@pbs!b", userid: "zed@pbs", tokenName: "b", enable: false, expire: 99, comment: "c" },
    ]);
  });
});
