import { describe, expect, it } from "vitest";
import { ApiError, describeError, isPermissionDenied } from "./api-error.js";

describe("describeError", () => {
  it("shows a taken name as the server says it, not as a concurrent change (issue 18)", () => {
    const taken = new ApiError(409, "token 'admin@pbs!ci' already exists");
    expect(describeError(taken)).toBe("token 'admin@pbs!ci' already exists");
  });

  it("explains a digest mismatch as someone else's change", () => {
    const changed = new ApiError(409, "detected modified configuration - file changed by other user? Try again.");
    expect(describeError(changed)).toMatch(/Someone else changed this meanwhile/);
  });

  it("prefixes a refusal with Permission denied", () => {
    expect(describeError(new ApiError(403, "missing Permissions.Modify on /access/users"))).toBe(
      "Permission denied: missing Permissions.Modify on /access/users",
    );
    expect(isPermissionDenied(new ApiError(403, "x"))).toBe(true);
    expect(isPermissionDenied(new ApiError(401, "x"))).toBe(false);
  });

  it("says a 5xx is the server's failure and that trying again may help (issue 18)", () => {
    expect(describeError(new ApiError(500, "internal error"))).toBe(
      "The server failed to answer (HTTP 500: internal error). Try again; if it keeps failing, the server log says why.",
    );
    expect(describeError(new ApiError(502, ""))).toBe(
      "The server failed to answer (HTTP 502). Try again; if it keeps failing, the server log says why.",
    );
  });
});
