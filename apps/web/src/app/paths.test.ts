import { describe, expect, it } from "vitest";
import { auditPathFor, findRoute, paths, readAuditTarget } from "./paths.js";

describe("findRoute", () => {
  it("finds every declared route by its path", () => {
    for (const [id, path] of Object.entries(paths)) expect(findRoute(path)).toBe(id);
  });

  it("forgives a trailing slash", () => {
    expect(findRoute("/users/")).toBe("users");
  });

  it("returns null for unknown paths", () => {
    expect(findRoute("/nope")).toBeNull();
    expect(findRoute("/users/alice")).toBeNull();
  });
});

describe("the audit screen's address", () => {
  it("carries the target as a query parameter and reads it back, with ! and @ intact", () => {
    const path = auditPathFor("amy@pbs!ci job");
    expect(path.startsWith("/audit?target=")).toBe(true);
    expect(findRoute(path.slice(0, path.indexOf("?")))).toBe("audit");
    expect(readAuditTarget(path.slice(path.indexOf("?")))).toBe("amy@pbs!ci job");
    expect(readAuditTarget("")).toBe("");
  });
});
