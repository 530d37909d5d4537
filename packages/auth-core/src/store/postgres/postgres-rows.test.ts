import { describe, expect, it } from "vitest";
import { StoreCorruptError } from "../../core/errors.js";
import { emptyAccessState } from "../../core/model.js";
import type { AccessState } from "../../core/model.js";
import {
  computeConfigDigest,
  diffStates,
  parseConfigColumns,
  parseGenerationsRow,
  parseStateColumns,
  summarizeChanges,
} from "./postgres-rows.js";

function stateWithAlice(): AccessState {
  const state = emptyAccessState();
  state.config.users["alice@pbs"] = { userid: "alice@pbs", enable: true, expire: 0, comment: "c" };
  state.config.tokens["alice@pbs!ci"] = { tokenid: "alice@pbs!ci", enable: true, expire: 0 };
  state.config.acl.push({ path: "/", ugid: "alice@pbs", roleid: "Audit", propagate: true });
  state.tokenHashes["alice@pbs!ci"] = "h1";
  state.passwordHashes["alice@pbs"] = "p1";
  return state;
}

describe("diffStates", () => {
  it("finds nothing to write when nothing changed", () => {
    const changes = diffStates(stateWithAlice(), stateWithAlice());
    expect(summarizeChanges(changes)).toEqual({ secrets: false, config: false });
  });

  it("treats a rebuilt record with other field order and explicit undefined as unchanged", () => {
    const after = stateWithAlice();
    after.config.users["alice@pbs"] = { comment: "c", expire: 0, enable: true, userid: "alice@pbs", email: undefined };
    expect(summarizeChanges(diffStates(stateWithAlice(), after))).toEqual({ secrets: false, config: false });
  });

  it("upserts changed and new records and deletes removed ones", () => {
    const after = stateWithAlice();
    const alice = after.config.users["alice@pbs"];
    if (alice) alice.enable = false;
    after.config.users["bob@pbs"] = { userid: "bob@pbs", enable: true, expire: 5 };
    delete after.config.tokens["alice@pbs!ci"];
    const changes = diffStates(stateWithAlice(), after);
    expect(changes.upsertUsers).toEqual([
      ["alice@pbs", false, 0, "c", null, null, null, 0, null],
      ["bob@pbs", true, 5, null, null, null, null, 0, null],
    ]);
    expect(changes.deleteTokens).toEqual(["alice@pbs!ci"]);
    expect(changes.acl).toBeNull();
  });

  it("counts a token hash as a secrets change and a password hash as a config change", () => {
    const rotated = stateWithAlice();
    rotated.tokenHashes["alice@pbs!ci"] = "h2";
    expect(summarizeChanges(diffStates(stateWithAlice(), rotated))).toEqual({ secrets: true, config: false });
    const password = stateWithAlice();
    delete password.passwordHashes["alice@pbs"];
    expect(summarizeChanges(diffStates(stateWithAlice(), password))).toEqual({ secrets: false, config: true });
  });

  it("rewrites the whole ACL when any entry or the order changes", () => {
    const after = stateWithAlice();
    after.config.acl.unshift({ path: "/system", ugid: "alice@pbs", roleid: "Admin", propagate: false });
    expect(diffStates(stateWithAlice(), after).acl).toEqual([
      ["/system", "alice@pbs", "Admin", false],
      ["/", "alice@pbs", "Audit", true],
    ]);
  });

  it("refuses records the tables cannot hold", () => {
    const mismatched = stateWithAlice();
    mismatched.config.users["alice@pbs"] = { userid: "bob@pbs", enable: true, expire: 0 };
    expect(() => diffStates(stateWithAlice(), mismatched)).toThrow(TypeError);
    const fractional = stateWithAlice();
    fractional.config.tokens["alice@pbs!ci"] = { tokenid: "alice@pbs!ci", enable: true, expire: 1.5 };
    expect(() => diffStates(stateWithAlice(), fractional)).toThrow(/expire must be an integer/);
    const badRole = stateWithAlice();
    badRole.config.acl.push({ path: "/", ugid: "x@pbs", roleid: "Root" as never, propagate: true });
    expect(() => diffStates(stateWithAlice(), badRole)).toThrow(/roleid/);
  });

  it("never puts a hash into an error message", () => {
    const state = stateWithAlice();
    (state.tokenHashes as Record<string, unknown>)["alice@pbs!ci"] = 42;
    expect(() => diffStates(stateWithAlice(), state)).toThrow(/the hash of "alice@pbs!ci" must be a string/);
  });
});

describe("computeConfigDigest", () => {
  it("is a SHA-256 hex that ignores insertion and field order", () => {
    const a = stateWithAlice().config;
    const b = stateWithAlice().config;
    b.users = { "bob@pbs": { userid: "bob@pbs", enable: true, expire: 0 }, ...b.users };
    a.users["bob@pbs"] = { expire: 0, enable: true, userid: "bob@pbs" };
    expect(computeConfigDigest(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(computeConfigDigest(a)).toBe(computeConfigDigest(b));
  });

  it("changes with any field of any record and with the ACL order", () => {
    const base = computeConfigDigest(stateWithAlice().config);
    const commented = stateWithAlice().config;
    const token = commented.tokens["alice@pbs!ci"];
    if (token) token.comment = "";
    expect(computeConfigDigest(commented)).not.toBe(base);
    const reordered = stateWithAlice().config;
    reordered.acl.push({ path: "/system", ugid: "alice@pbs", roleid: "Audit", propagate: true });
    const swapped = stateWithAlice().config;
    swapped.acl.unshift({ path: "/system", ugid: "alice@pbs", roleid: "Audit", propagate: true });
    expect(computeConfigDigest(reordered)).not.toBe(computeConfigDigest(swapped));
  });
});

describe("parsing rows", () => {
  const user = {
    userid: "alice@pbs",
    enable: true,
    expire: 0,
    comment: null,
    firstname: "A",
    lastname: null,
    email: null,
    tickets_not_before: 0,
  };

  it("maps NULL columns to absent fields", () => {
    const config = parseConfigColumns({ users: [user], tokens: [], acl: [] }, "s");
    expect(config.users["alice@pbs"]).toStrictEqual({ userid: "alice@pbs", enable: true, expire: 0, firstname: "A" });
  });

  it("keeps a __proto__ key as an own entry instead of changing the prototype", () => {
    const state = parseStateColumns({ users: [], tokens: [], acl: [], token_hashes: [["__proto__", "h"]], password_hashes: [] }, "s");
    expect(Object.hasOwn(state.tokenHashes, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(state.tokenHashes)).toBe(Object.prototype);
  });

  it("keeps a tickets-not-before time and reads the column default 0 as none (issue 15, finding 7)", () => {
    const config = parseConfigColumns({ users: [{ ...user, tickets_not_before: 1_800_000_000 }], tokens: [], acl: [] }, "s");
    expect(config.users["alice@pbs"]?.ticketsNotBefore).toBe(1_800_000_000);
    expect(parseConfigColumns({ users: [user], tokens: [], acl: [] }, "s").users["alice@pbs"]).not.toHaveProperty("ticketsNotBefore");
  });

  it("reports rows that do not fit the model as StoreCorruptError", () => {
    const corrupt = [
      { users: [{ ...user, expire: 2 ** 60 }], tokens: [], acl: [] },
      { users: [{ ...user, enable: "yes" }], tokens: [], acl: [] },
      { users: [], tokens: [{ tokenid: 7, enable: true, expire: 0 }], acl: [] },
      { users: [], tokens: [], acl: [{ path: "/", ugid: "a@pbs", roleid: "Root", propagate: true }] },
      { users: "not a list", tokens: [], acl: [] },
    ];
    for (const row of corrupt) expect(() => parseConfigColumns(row, "s")).toThrow(StoreCorruptError);
  });

  it("reads generations as bigints and rejects anything but a plain decimal", () => {
    expect(parseGenerationsRow({ secrets: "0", config: "9007199254740993" }, "g")).toEqual({
      secrets: 0n,
      config: 9007199254740993n,
    });
    for (const bad of [undefined, {}, { secrets: "-1", config: "0" }, { secrets: "1e3", config: "0" }]) {
      expect(() => parseGenerationsRow(bad, "g")).toThrow(StoreCorruptError);
    }
  });
});
