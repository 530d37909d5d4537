import { describe, expect, it } from "vitest";
import { ConflictError } from "../core/errors.js";
import { listSuperusers, requireSuperuserRemains } from "./last-superuser.js";
import type { AccessConfig } from "../core/model.js";

const NOW_S = 1_800_000_000;

function config(): AccessConfig {
  return {
    users: {
      "root@pbs": { userid: "root@pbs", enable: true, expire: 0 },
      "audit@pbs": { userid: "audit@pbs", enable: true, expire: 0 },
    },
    tokens: { "root@pbs!t": { tokenid: "root@pbs!t", enable: true, expire: 0 } },
    acl: [
      { path: "/", ugid: "root@pbs", roleid: "Admin", propagate: true },
      { path: "/", ugid: "root@pbs!t", roleid: "Admin", propagate: true },
      { path: "/", ugid: "audit@pbs", roleid: "Audit", propagate: true },
      { path: "/access", ugid: "audit@pbs", roleid: "Admin", propagate: true },
    ],
  };
}

describe("listSuperusers", () => {
  it("names the active users with Permissions.Modify on /, never a token or a user holding it only below /", () => {
    expect(listSuperusers(config(), NOW_S)).toEqual(["root@pbs"]);
  });

  it("leaves out a disabled or expired superuser and one whose entry on / is NoAccess", () => {
    const disabled = config();
    disabled.users["root@pbs"]!.enable = false;
    expect(listSuperusers(disabled, NOW_S)).toEqual([]);
    const expired = config();
    expired.users["root@pbs"]!.expire = NOW_S - 1;
    expect(listSuperusers(expired, NOW_S)).toEqual([]);
    const overridden = config();
    overridden.acl.push({ path: "/", ugid: "root@pbs", roleid: "NoAccess", propagate: true });
    expect(listSuperusers(overridden, NOW_S)).toEqual([]);
  });
});

describe("requireSuperuserRemains (issue 18, item 3)", () => {
  it("refuses a change that leaves no active superuser, with a message saying what to do", () => {
    const after = config();
    delete after.users["root@pbs"];
    expect(() => requireSuperuserRemains(["root@pbs"], after, NOW_S)).toThrow(ConflictError);
    expect(() => requireSuperuserRemains(["root@pbs"], after, NOW_S)).toThrow(/no enabled user with Permissions.Modify on '\/'/);
  });

  it("allows it when another superuser remains, and never blocks a store that had none to begin with", () => {
    expect(() => requireSuperuserRemains(["root@pbs"], config(), NOW_S)).not.toThrow();
    const none = config();
    none.acl = [];
    expect(() => requireSuperuserRemains([], none, NOW_S)).not.toThrow();
  });
});
