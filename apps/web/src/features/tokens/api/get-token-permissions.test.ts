import { describe, expect, it } from "vitest";
import { toPermissionRows } from "./get-token-permissions.js";

describe("toPermissionRows", () => {
  it("lists one row per path and privilege, sorted, with propagate as a boolean", () => {
    expect(toPermissionRows({ "/system": { "Sys.Audit": 1 }, "/": { "Sys.Modify": false, "Sys.Audit": true } })).toEqual([
      { path: "/", privilege: "Sys.Audit", propagate: true },
      { path: "/", privilege: "Sys.Modify", propagate: false },
      { path: "/system", privilege: "Sys.Audit", propagate: true },
    ]);
  });

  it("returns no rows for a token without privileges", () => {
    expect(toPermissionRows({})).toEqual([]);
  });
});
