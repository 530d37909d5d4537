import { describe, expect, it } from "vitest";
import { toAuditParams, toAuditRow } from "./get-audit-page.js";

describe("toAuditParams", () => {
  it("sends only the filters that are set, trimmed", () => {
    expect(toAuditParams({ start: 50, limit: 50, since: null, until: null, actor: "", target: "  amy@pbs ", action: "" })).toEqual({
      start: 50,
      limit: 50,
      since: undefined,
      until: undefined,
      actor: undefined,
      target: "amy@pbs",
      action: undefined,
    });
  });

  it("sends a time range as epoch seconds", () => {
    expect(toAuditParams({ start: 0, limit: 10, since: 100, until: 200, actor: "root@pam", target: "", action: "token" })).toMatchObject({
      since: 100,
      until: 200,
      actor: "root@pam",
      action: "token",
    });
  });
});

describe("toAuditRow", () => {
  it("fills optional fields with empty strings", () => {
    expect(toAuditRow({ id: 7, time: 1, actor: "", action: "login", outcome: "failure" })).toEqual({
      id: 7,
      time: 1,
      actor: "",
      source: "",
      action: "login",
      target: "",
      outcome: "failure",
      detail: "",
    });
  });
});
