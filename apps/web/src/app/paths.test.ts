import { describe, expect, it } from "vitest";
import { findRoute, paths } from "./paths.js";

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
