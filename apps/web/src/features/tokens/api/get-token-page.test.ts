import { describe, expect, it } from "vitest";
import { toPagedTokenRow } from "./get-token-page.js";

describe("toPagedTokenRow", () => {
  it("splits the token id at its last '!' and fills in PBS's defaults", () => {
    expect(toPagedTokenRow({ tokenid: "amy@pbs!ci", status: "active" })).toEqual({
      tokenid: "amy@pbs!ci",
      userid: "amy@pbs",
      tokenName: "ci",
      enable: true,
      expire: 0,
      comment: "",
      status: "active",
      created: undefined,
      lastUsed: undefined,
      lastUsedSource: undefined,
      previousSecretUntil: undefined,
    });
  });

  it("shows the server's status: a disabled owner's enabled token is owner disabled, not enabled (issue 18)", () => {
    const row = toPagedTokenRow({ tokenid: "a@pbs!x", enable: 1, status: "owner-disabled" });
    expect(row).toMatchObject({ enable: true, status: "owner-disabled" });
  });

  it("reads PBS's 0/1 flags and keeps the expiry", () => {
    expect(toPagedTokenRow({ tokenid: "a@pbs!x", enable: 0, expire: 99, comment: "c", status: "disabled" })).toMatchObject({
      enable: false,
      expire: 99,
      comment: "c",
      status: "disabled",
    });
  });

  it("reads the lifecycle fields: created, last use with its source, and the overlap deadline (issue 14)", () => {
    const row = toPagedTokenRow({
      tokenid: "a@pbs!x",
      status: "active",
      created: 100,
      "last-used": 180,
      "last-used-source": "192.0.2.4",
      "previous-secret-until": 3_700,
    });
    expect(row).toMatchObject({ created: 100, lastUsed: 180, lastUsedSource: "192.0.2.4", previousSecretUntil: 3_700 });
  });
});
