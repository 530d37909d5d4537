import { describe, expect, it } from "vitest";
import { ownerOfTokenId } from "./config-queries.js";
import { InvalidParameterError } from "../core/errors.js";
import {
  computeTokenStatus,
  EXPIRING_WITHIN_S,
  isExtendedListQuery,
  requireListQuery,
  selectTokens,
  selectUsers,
  TOKEN_SORT_KEYS,
  USER_SORT_KEYS,
} from "./listing.js";
import type { AccessConfig, TokenRecord, UserRecord } from "../core/model.js";

const NOW_S = 1_700_000_000;

function user(userid: string, fields: Partial<UserRecord> = {}): UserRecord {
  return { userid, enable: true, expire: 0, ...fields };
}

function token(tokenid: string, fields: Partial<TokenRecord> = {}): TokenRecord {
  return { tokenid, enable: true, expire: 0, ...fields };
}

function configOf(users: UserRecord[], tokens: TokenRecord[]): AccessConfig {
  return {
    users: Object.fromEntries(users.map((u) => [u.userid, u])),
    tokens: Object.fromEntries(tokens.map((t) => [t.tokenid, t])),
    acl: [],
  };
}

describe("computeTokenStatus", () => {
  const config = configOf([user("on@pbs"), user("off@pbs", { enable: false }), user("old@pbs", { expire: NOW_S - 1 })], []);

  it("reads the token's own state first, then its owner's", () => {
    expect(computeTokenStatus(config, token("on@pbs!a"), "on@pbs", NOW_S)).toBe("active");
    expect(computeTokenStatus(config, token("on@pbs!a", { enable: false }), "on@pbs", NOW_S)).toBe("disabled");
    expect(computeTokenStatus(config, token("on@pbs!a", { expire: NOW_S }), "on@pbs", NOW_S)).toBe("expired");
    expect(computeTokenStatus(config, token("off@pbs!a"), "off@pbs", NOW_S)).toBe("owner-disabled");
    expect(computeTokenStatus(config, token("old@pbs!a"), "old@pbs", NOW_S)).toBe("owner-expired");
    expect(computeTokenStatus(config, token("off@pbs!a", { enable: false }), "off@pbs", NOW_S)).toBe("disabled");
  });

  it("calls a token whose owner is missing owner-disabled: it cannot authenticate", () => {
    expect(computeTokenStatus(config, token("gone@pbs!a"), "gone@pbs", NOW_S)).toBe("owner-disabled");
  });
});

describe("selectTokens", () => {
  const tokens = [
    token("a@pbs!build", { comment: "CI Runner 1", expire: NOW_S + 100 }),
    token("a@pbs!deploy", { comment: "prod", expire: NOW_S + EXPIRING_WITHIN_S + 1 }),
    token("a@pbs!old", { expire: NOW_S - 5 }),
    token("b@pbs!runner", { comment: "ci runner 2", enable: false }),
    token("c@pbs!x"),
  ];
  const config = configOf([user("a@pbs"), user("b@pbs"), user("c@pbs", { enable: false })], tokens);
  const select = (query: Parameters<typeof selectTokens>[2]) => selectTokens(config, tokens, query, NOW_S, ownerOfTokenId);

  it("filters by a case-insensitive substring of the id or the comment", async () => {
    expect((await select({ filter: "RUNNER" })).rows.map((t) => t.tokenid)).toEqual(["a@pbs!build", "b@pbs!runner"]);
    expect((await select({ filter: "DEPLOY" })).rows.map((t) => t.tokenid)).toEqual(["a@pbs!deploy"]);
    expect((await select({ filter: "nothing" })).total).toBe(0);
  });

  it("filters by status, expiring meaning active and due within a week", async () => {
    expect((await select({ status: "active" })).rows.map((t) => t.tokenid)).toEqual(["a@pbs!build", "a@pbs!deploy"]);
    expect((await select({ status: "expiring" })).rows.map((t) => t.tokenid)).toEqual(["a@pbs!build"]);
    expect((await select({ status: "expired" })).rows.map((t) => t.tokenid)).toEqual(["a@pbs!old"]);
    expect((await select({ status: "disabled" })).rows.map((t) => t.tokenid)).toEqual(["b@pbs!runner"]);
    expect((await select({ status: "owner-disabled" })).rows.map((t) => t.tokenid)).toEqual(["c@pbs!x"]);
  });

  it("sorts by expiry with never last, and desc reverses the whole order", async () => {
    expect((await select({ sort: "expire" })).rows.map((t) => t.tokenid)).toEqual([
      "a@pbs!old",
      "a@pbs!build",
      "a@pbs!deploy",
      "b@pbs!runner",
      "c@pbs!x",
    ]);
    expect((await select({ sort: "expire", order: "desc", limit: 2 })).rows.map((t) => t.tokenid)).toEqual(["c@pbs!x", "b@pbs!runner"]);
    expect((await select({ sort: "comment" })).rows.map((t) => t.tokenid)).toEqual([
      "a@pbs!old",
      "c@pbs!x",
      "a@pbs!build",
      "b@pbs!runner",
      "a@pbs!deploy",
    ]);
    expect((await select({ sort: "enable" })).rows[0]?.tokenid).toBe("b@pbs!runner");
  });

  it("pages with start and limit and counts every match in total", async () => {
    const page = await select({ start: 1, limit: 2 });
    expect(page.rows.map((t) => t.tokenid)).toEqual(["a@pbs!deploy", "a@pbs!old"]);
    expect(page.total).toBe(5);
    expect((await select({ start: 4, limit: 2, order: "desc" })).rows.map((t) => t.tokenid)).toEqual(["a@pbs!build"]);
    expect((await select({ start: 10, limit: 2 })).rows).toEqual([]);
  });
});

describe("selectUsers", () => {
  const users = [
    user("alice@pbs", { firstname: "Alice", email: "alice@example.com", expire: NOW_S + 10 }),
    user("bob@pbs", { lastname: "Builder", enable: false }),
    user("carol@pbs", { comment: "ops on-call" }),
  ];

  it("searches userid, names, email and comment", async () => {
    expect((await selectUsers(users, { filter: "EXAMPLE.COM" })).rows.map((u) => u.userid)).toEqual(["alice@pbs"]);
    expect((await selectUsers(users, { filter: "build" })).rows.map((u) => u.userid)).toEqual(["bob@pbs"]);
    expect((await selectUsers(users, { filter: "On-Call" })).rows.map((u) => u.userid)).toEqual(["carol@pbs"]);
  });

  it("sorts by enable and expiry, and pages", async () => {
    expect((await selectUsers(users, { sort: "enable" })).rows.map((u) => u.userid)).toEqual(["bob@pbs", "alice@pbs", "carol@pbs"]);
    expect((await selectUsers(users, { sort: "expire", limit: 1 })).rows.map((u) => u.userid)).toEqual(["alice@pbs"]);
    expect((await selectUsers(users, { limit: 1, start: 2 })).total).toBe(3);
  });
});

describe("requireListQuery", () => {
  it("accepts good values and names the parameter of a bad one", () => {
    expect(
      requireListQuery({ limit: 1000, start: 0, filter: "x".repeat(128), order: "desc", sort: "expire" }, USER_SORT_KEYS),
    ).toBeDefined();
    const errorOf = (query: object, keys: readonly string[] = TOKEN_SORT_KEYS) => {
      try {
        requireListQuery(query, keys);
      } catch (error) {
        if (error instanceof InvalidParameterError) return Object.keys(error.errors);
        throw error;
      }
      return [];
    };
    expect(errorOf({ limit: 0 })).toEqual(["limit"]);
    expect(errorOf({ limit: 1001 })).toEqual(["limit"]);
    expect(errorOf({ start: -1 })).toEqual(["start"]);
    expect(errorOf({ filter: "x".repeat(129) })).toEqual(["filter"]);
    expect(errorOf({ order: "up" })).toEqual(["order"]);
    expect(errorOf({ sort: "comment" }, USER_SORT_KEYS)).toEqual(["sort"]);
    expect(errorOf({ status: "gone" })).toEqual(["status"]);
  });

  it("tells an extended query from PBS's plain one", () => {
    expect(isExtendedListQuery({})).toBe(false);
    expect(isExtendedListQuery({ limit: undefined })).toBe(false);
    expect(isExtendedListQuery({ start: 0 })).toBe(true);
  });
});
