import { describe, expect, it } from "vitest";
import { QuotaExceededError } from "../core/errors.js";
import type { AccessConfig, TokenRecord } from "../core/model.js";
import { createStateDraft, freezeConfig } from "../store/state-draft.js";
import { countTokens, requireTokenQuota } from "./token-quota.js";

function tokensOf(owners: Record<string, number>): Record<string, TokenRecord> {
  const tokens: Record<string, TokenRecord> = {};
  for (const [userid, count] of Object.entries(owners)) {
    for (let i = 0; i < count; i++) tokens[`${userid}!t${i}`] = { tokenid: `${userid}!t${i}`, enable: true, expire: 0 };
  }
  return tokens;
}

function frozenConfig(owners: Record<string, number>): AccessConfig {
  return freezeConfig({ users: {}, tokens: tokensOf(owners), acl: [] });
}

const NO_HASHES = { tokenHashes: { rows: new Map(), complete: true }, passwordHashes: { rows: new Map(), complete: true } };

describe("token quotas (issue 15, finding 6)", () => {
  it("counts a user's tokens by the exact prefix, not a longer name that starts the same", () => {
    expect(countTokens(tokensOf({ "al@pbs": 2, "alice@pbs": 3, "bob@pbs": 1 }), "al@pbs")).toEqual({ total: 6, owned: 2 });
    expect(countTokens(tokensOf({ "al@pbs": 2, "alice@pbs": 3 }), "carol@pbs")).toEqual({ total: 5, owned: 0 });
  });

  it("counts a draft over its frozen base, and sees the draft's own changes once it has any", () => {
    const base = frozenConfig({ "alice@pbs": 3, "bob@pbs": 2 });
    const draft = createStateDraft(base, NO_HASHES);
    expect(countTokens(draft.state.config.tokens, "alice@pbs")).toEqual({ total: 5, owned: 3 });
    draft.state.config.tokens["alice@pbs!new"] = { tokenid: "alice@pbs!new", enable: true, expire: 0 };
    delete draft.state.config.tokens["bob@pbs!t0"];
    expect(countTokens(draft.state.config.tokens, "alice@pbs")).toEqual({ total: 5, owned: 4 });
    expect(countTokens(draft.state.config.tokens, "bob@pbs")).toEqual({ total: 5, owned: 1 });
    // The base is untouched, and its remembered counts still hold.
    expect(countTokens(base.tokens, "alice@pbs")).toEqual({ total: 5, owned: 3 });
  });

  it("a plain, unfrozen map is counted afresh after every change (the file store's state)", () => {
    const tokens = tokensOf({ "alice@pbs": 1 });
    expect(countTokens(tokens, "alice@pbs").owned).toBe(1);
    tokens["alice@pbs!t9"] = { tokenid: "alice@pbs!t9", enable: true, expire: 0 };
    expect(countTokens(tokens, "alice@pbs").owned).toBe(2);
  });

  it("refuses past the per-user quota and past the total, naming the setting", () => {
    const tokens = frozenConfig({ "alice@pbs": 3, "bob@pbs": 1 }).tokens;
    expect(() => requireTokenQuota(tokens, "alice@pbs", { maxTokensPerUser: 3, maxTokens: 100 })).toThrow(QuotaExceededError);
    expect(() => requireTokenQuota(tokens, "alice@pbs", { maxTokensPerUser: 3, maxTokens: 100 })).toThrow(/GATEHOUSE_MAX_TOKENS_PER_USER/);
    expect(() => requireTokenQuota(tokens, "bob@pbs", { maxTokensPerUser: 3, maxTokens: 4 })).toThrow(/GATEHOUSE_MAX_TOKENS\)/);
    expect(() => requireTokenQuota(tokens, "bob@pbs", { maxTokensPerUser: 3, maxTokens: 5 })).not.toThrow();
  });
});
