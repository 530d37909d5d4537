/**
 * Conformance: roles, ACL and permissions over HTTP, against
 * pbs-api-types/src/acl.rs, src/api2/access/role.rs, src/api2/access/acl.rs,
 * pbs-config/src/acl.rs and src/api2/access/mod.rs (list_permissions).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PRIVILEGES } from "@gatehouse/auth-core";
import { cookieHeaders, tokenHeaders } from "../test-support/https-client.js";
import { createToken, createUser, grantRole, logIn, sessionHeaders, type Session } from "../test-support/sessions.js";
import { TEST_ADMIN, startTestServer, type TestServer } from "../test-support/test-server.js";

let server: TestServer;
let admin: Session;

beforeAll(async () => {
  server = await startTestServer();
  admin = await logIn(server.client);
});

afterAll(async () => {
  await server?.stop();
});

describe("GET /access/roles (src/api2/access/role.rs)", () => {
  test("lists all fifteen PBS roles with privs and comment to any authenticated caller", async () => {
    const bare = await createToken(admin, TEST_ADMIN, "roles-reader");
    const response = await server.client.api("GET", "/access/roles", { headers: tokenHeaders(bare.tokenid, bare.secret) });
    expect(response.status, response.text).toBe(200);
    const roles = response.json?.data as { roleid: string; privs: string[]; comment: string }[];
    expect(roles.map((role) => role.roleid).sort()).toEqual(
      [
        "Admin",
        "Audit",
        "DatastoreAdmin",
        "DatastoreAudit",
        "DatastoreBackup",
        "DatastorePowerUser",
        "DatastoreReader",
        "NoAccess",
        "RemoteAdmin",
        "RemoteAudit",
        "RemoteSyncOperator",
        "TapeAdmin",
        "TapeAudit",
        "TapeOperator",
        "TapeReader",
      ].sort(),
    );
    expect(roles.find((role) => role.roleid === "Admin")?.privs).toEqual([...PRIVILEGES]);
    expect(roles.find((role) => role.roleid === "NoAccess")).toEqual({ roleid: "NoAccess", privs: [], comment: "Disable Access" });
    expect(roles.find((role) => role.roleid === "TapeOperator")?.privs).toEqual(["Tape.Audit", "Tape.Write", "Tape.Read"]);
  });

  test("needs authentication", async () => {
    expect((await server.client.api("GET", "/access/roles")).status).toBe(401);
  });
});

describe("PUT /access/acl (src/api2/access/acl.rs, pbs-config/src/acl.rs)", () => {
  test("accepts every PBS role on PBS's paths and refuses a path PBS does not know", async () => {
    await server.client.api("POST", "/access/users", { body: { userid: "ops@pbs" }, headers: sessionHeaders(admin) });
    for (const [path, role] of [
      ["/datastore/store1", "DatastorePowerUser"],
      ["/remote/backup2/store1", "RemoteSyncOperator"],
      ["/tape/pool/weekly", "TapeOperator"],
      ["/system/network/interfaces/eth0", "Audit"],
    ] as const) {
      const set = await server.client.api("PUT", "/access/acl", {
        form: { path, role, "auth-id": "ops@pbs" },
        headers: sessionHeaders(admin),
      });
      expect(set.status, `${path} ${role}: ${set.text}`).toBe(200);
    }
    const unknown = await server.client.api("PUT", "/access/acl", {
      form: { path: "/vms/100", role: "Audit", "auth-id": "ops@pbs" },
      headers: sessionHeaders(admin),
    });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain("invalid acl path '/vms/100'.");
    const group = await server.client.api("PUT", "/access/acl", {
      form: { path: "/", role: "Audit", "auth-id": "ops@pbs", group: "admins" },
      headers: sessionHeaders(admin),
    });
    expect(group.status).toBe(400);
    expect(group.text).toContain("groups are currently not supported");
  });

  test("reports ugid_type user for users and tokens alike", async () => {
    const token = await createToken(admin, TEST_ADMIN, "typed");
    await grantRole(admin, token.tokenid, "Audit");
    const acl = await server.client.api("GET", "/access/acl", { headers: cookieHeaders(admin) });
    const types = new Set((acl.json?.data as { ugid_type: string }[]).map((entry) => entry.ugid_type));
    expect([...types]).toEqual(["user"]);
  });
});

describe("GET /access/permissions (list_permissions, src/api2/access/mod.rs)", () => {
  test("lists PBS's default paths for the admin, each with all privileges", async () => {
    const response = await server.client.api("GET", "/access/permissions", { headers: cookieHeaders(admin) });
    expect(response.status).toBe(200);
    const data = response.json?.data as Record<string, Record<string, boolean>>;
    for (const path of ["/", "/access", "/datastore", "/remote", "/system"]) {
      expect(Object.keys(data[path] ?? {}), path).toHaveLength(PRIVILEGES.length);
    }
  });
});

describe("a user without privileges (src/api2/access/acl.rs read_acl/update_acl, user.rs update_user)", () => {
  test("reads the ACL as 200 with only its own tokens' entries, and sets entries for them within its own privileges", async () => {
    await createUser(admin, "plain@pbs", "plain-password");
    await grantRole(admin, "plain@pbs", "DatastorePowerUser", "/datastore/store2");
    const plain = await logIn(server.client, "plain@pbs", "plain-password");
    const token = await createToken(plain, "plain@pbs", "job");
    const own = await server.client.api("PUT", "/access/acl", {
      form: { path: "/datastore/store2", role: "DatastoreBackup", "auth-id": token.tokenid },
      headers: sessionHeaders(plain),
    });
    expect(own.status, own.text).toBe(200);
    const tooMuch = await server.client.api("PUT", "/access/acl", {
      form: { path: "/datastore/store2", role: "DatastoreAdmin", "auth-id": token.tokenid },
      headers: sessionHeaders(plain),
    });
    expect(tooMuch.status).toBe(403);
    const forSelf = await server.client.api("PUT", "/access/acl", {
      form: { path: "/datastore/store2", role: "DatastoreBackup", "auth-id": "plain@pbs" },
      headers: sessionHeaders(plain),
    });
    expect(forSelf.status).toBe(403);
    expect(forSelf.text).toBe("Unprivileged users can only set ACL items for API tokens.");
    const acl = await server.client.api("GET", "/access/acl", { headers: cookieHeaders(plain) });
    expect(acl.status).toBe(200);
    expect(acl.json?.data).toEqual([
      { path: "/datastore/store2", ugid: token.tokenid, ugid_type: "user", roleid: "DatastoreBackup", propagate: true },
    ]);
  });

  test("edits its own comment and email, but not its own expiry", async () => {
    await createUser(admin, "self@pbs", "self-password");
    const self = await logIn(server.client, "self@pbs", "self-password");
    const profile = await server.client.api("PUT", "/access/users/self@pbs", {
      form: { comment: "on call this week", email: "self@example.com" },
      headers: sessionHeaders(self),
    });
    expect(profile.status, profile.text).toBe(200);
    const read = await server.client.api("GET", "/access/users/self@pbs", { headers: cookieHeaders(self) });
    expect(read.json?.data).toMatchObject({ comment: "on call this week", email: "self@example.com" });
    const expire = await server.client.api("PUT", "/access/users/self@pbs", {
      form: { expire: "4102444800" },
      headers: sessionHeaders(self),
    });
    expect(expire.status).toBe(403);
  });
});
