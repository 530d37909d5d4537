import { describe, expect, it } from "vitest";
import { composeLoginUserid } from "./login-name.js";

describe("composeLoginUserid", () => {
  it("sends a typed admin@pbs as it is, not as admin@pbs@pbs (issue 18)", () => {
    expect(composeLoginUserid("admin@pbs", "pbs", ["pbs"])).toBe("admin@pbs");
    expect(composeLoginUserid("  admin@pbs ", "pbs", ["pbs", "pam"])).toBe("admin@pbs");
  });

  it("lets a typed known realm win over the chosen one", () => {
    expect(composeLoginUserid("root@pam", "pbs", ["pbs", "pam"])).toBe("root@pam");
  });

  it("appends the chosen realm to a bare name or to a suffix that is no realm", () => {
    expect(composeLoginUserid("admin", "pbs", ["pbs"])).toBe("admin@pbs");
    expect(composeLoginUserid("alice@example.com", "pbs", ["pbs"])).toBe("alice@example.com@pbs");
    expect(composeLoginUserid("@pbs", "pbs", ["pbs"])).toBe("@pbs@pbs");
  });
});
