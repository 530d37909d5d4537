/** The crash harness's oracle must be able to fail: these are the states it has to refuse. */
import { describe, expect, test } from "vitest";
import { applyOp, emptyStoredState, judgeCrashState, listChangedParts, type StoredState } from "./crash-model.js";
import { computeFakeHash } from "@gatehouse/auth-core/testing";

function stateWithToken(): StoredState {
  let state = applyOp(emptyStoredState(), { kind: "user.add", userid: "u0@pbs", password: "first" });
  state = applyOp(state, { kind: "token.add", tokenid: "u0@pbs!t0" }, "secret-1");
  return applyOp(state, { kind: "acl.grant", ugid: "u0@pbs!t0" });
}

describe("judgeCrashState", () => {
  test("with nothing in flight, only the acknowledged state passes", () => {
    const acknowledged = stateWithToken();
    expect(judgeCrashState(structuredClone(acknowledged), acknowledged, null)).toEqual({ ok: true, appliedParts: [] });
    const lost = structuredClone(acknowledged);
    delete lost.tokens["u0@pbs!t0"];
    expect(judgeCrashState(lost, acknowledged, null)).toMatchObject({ ok: false });
    const oldSecret = structuredClone(acknowledged);
    oldSecret.tokenHashes["u0@pbs!t0"] = computeFakeHash("secret-0");
    expect(judgeCrashState(oldSecret, acknowledged, null)).toMatchObject({ ok: false });
  });

  test("a delete in flight may have reached a prefix of the write order, never a later file alone", () => {
    const acknowledged = stateWithToken();
    const pending = applyOp(acknowledged, { kind: "token.delete", tokenid: "u0@pbs!t0" });
    expect(listChangedParts(acknowledged, pending)).toEqual(["tokenShadow", "users", "acl"]);

    const shadowOnly = structuredClone(acknowledged);
    shadowOnly.tokenHashes = pending.tokenHashes;
    expect(judgeCrashState(shadowOnly, acknowledged, pending)).toEqual({ ok: true, appliedParts: ["tokenShadow"] });
    expect(judgeCrashState(structuredClone(pending), acknowledged, pending)).toEqual({
      ok: true,
      appliedParts: ["tokenShadow", "users", "acl"],
    });

    const aclOnly = structuredClone(acknowledged);
    aclOnly.acl = pending.acl;
    expect(judgeCrashState(aclOnly, acknowledged, pending)).toMatchObject({ ok: false });
  });

  test("an unacknowledged rotation may show the old hash or any new one, never a garbage value", () => {
    const acknowledged = stateWithToken();
    const pending = applyOp(acknowledged, { kind: "token.regenerate", tokenid: "u0@pbs!t0" });
    const rotated = structuredClone(acknowledged);
    rotated.tokenHashes["u0@pbs!t0"] = computeFakeHash("secret-2");
    expect(judgeCrashState(rotated, acknowledged, pending)).toEqual({ ok: true, appliedParts: ["tokenShadow"] });
    expect(judgeCrashState(structuredClone(acknowledged), acknowledged, pending)).toEqual({ ok: true, appliedParts: [] });
    const garbage = structuredClone(acknowledged);
    garbage.tokenHashes["u0@pbs!t0"] = "";
    expect(judgeCrashState(garbage, acknowledged, pending)).toMatchObject({ ok: false });
  });
});
