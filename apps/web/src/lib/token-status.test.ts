import { describe, expect, it } from "vitest";
import { describeTokenStatus, needsRevivalOnRegenerate } from "./token-status.js";

const NOW_S = 1_900_000_000;
const DAY_S = 86_400;

describe("describeTokenStatus", () => {
  it("names every refused state the server reports", () => {
    expect(describeTokenStatus("disabled", 0, NOW_S)).toMatchObject({ label: "Disabled", tone: "off" });
    expect(describeTokenStatus("owner-disabled", 0, NOW_S)).toMatchObject({ label: "Owner disabled", tone: "off" });
    expect(describeTokenStatus("expired", NOW_S - 1, NOW_S)).toMatchObject({ label: "Expired", tone: "off" });
    expect(describeTokenStatus("owner-expired", 0, NOW_S)).toMatchObject({ label: "Owner expired", tone: "off" });
  });

  it("warns with the days left when an active token expires within 7 days", () => {
    expect(describeTokenStatus("active", NOW_S + 5 * DAY_S + 60, NOW_S)).toMatchObject({ label: "Expires in 5 d", tone: "warn" });
    expect(describeTokenStatus("active", NOW_S + 7 * DAY_S, NOW_S)).toMatchObject({ label: "Expires in 7 d" });
    expect(describeTokenStatus("active", NOW_S + 3 * 3600 + 5, NOW_S).label).toBe("Expires in 3 h");
    expect(describeTokenStatus("active", NOW_S + 59, NOW_S).label).toBe("Expires in < 1 h");
  });

  it("shows Active for a token without expiry or expiring later than 7 days", () => {
    expect(describeTokenStatus("active", 0, NOW_S)).toMatchObject({ label: "Active", tone: "ok" });
    expect(describeTokenStatus("active", NOW_S + 7 * DAY_S + 1, NOW_S).label).toBe("Active");
  });
});

describe("needsRevivalOnRegenerate", () => {
  it("is true only for the token's own disable or expiry, which a regenerate can fix", () => {
    expect(needsRevivalOnRegenerate("disabled")).toBe(true);
    expect(needsRevivalOnRegenerate("expired")).toBe(true);
    expect(needsRevivalOnRegenerate("owner-disabled")).toBe(false);
    expect(needsRevivalOnRegenerate("active")).toBe(false);
  });
});
