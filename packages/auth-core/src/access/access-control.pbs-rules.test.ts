/**
 * PBS's ACL and permission rules as AccessControl applies them, each test named
 * after the PBS source it matches. The HTTP side of the same rules is pinned in
 * apps/bff/src/pbs-compat.
 */
import { describe, expect, it } from "vitest";
import { AccessControl } from "./access-control.js";
import { SYSTEM_ACTOR, type AuthContext } from "./types.js";
import { ManualClock } from "../core/clock.js";
import { ConflictError, InvalidParameterError, NotFoundError, PermissionDeniedError } from "../core/errors.js";
import type { RoleId } from "../core/roles.js";
import { FakeHasher } from "../test-support/fake-hasher.js";
import { MemoryAccessStore } from "../test-support/memory-store.js";

const ADMIN: AuthContext = { authid: "admin@pbs", userid: "admin@pbs", tokenName: null, via: "ticket" };
const ALICE: AuthContext = { authid: "alice@pbs", userid: "alice@pbs", tokenName: null, via: "ticket" };
const BOB: AuthContext = { authid: "bob@pbs", userid: "bob@pbs", tokenName: null, via: "ticket" };
const ALICE_CI: AuthContext = { authid: "alice@pbs!ci", userid: "alice@pbs", tokenName: "ci", via: "token" };

async function setUp() {
  const store = new MemoryAccessStore();
  const ac = await AccessControl.open({ store, clock: new ManualClock(), hasher: new FakeHasher() });
  await ac.ensureInitialAdmin("admin-password");
  await ac.createUser(ADMIN, { userid: "alice@pbs", password: "alice-password" });
  await ac.createUser(ADMIN, { userid: "bob@pbs", password: "bob-password" });
  await ac.createToken(ALICE, "alice@pbs", "ci", {});
  await ac.createToken(BOB, "bob@pbs", "ci", {});
  return { store, ac };
}

function grant(ac: AccessControl, authId: string, path: string, role: RoleId, propagate = true) {
  return ac.updateAcl(SYSTEM_ACTOR, { path, role, authId, propagate });
}

function entriesOf(store: MemoryAccessStore, ugid: string) {
  return store.backend.state.config.acl.filter((entry) => entry.ugid === ugid).map(({ path, roleid }) => `${path} ${roleid}`);
}

describe("read_acl (src/api2/access/acl.rs)", () => {
  it("gives a user without Sys.Audit on /access/acl only the entries of its own API tokens", async () => {
    const { ac } = await setUp();
    await grant(ac, "alice@pbs", "/datastore", "DatastoreAdmin");
    await grant(ac, "alice@pbs!ci", "/datastore/store1", "DatastoreBackup");
    await grant(ac, "bob@pbs!ci", "/datastore/store1", "DatastoreReader");
    const seen = await ac.readAcl(ALICE, {});
    expect(seen.data).toEqual([
      { path: "/datastore/store1", ugid: "alice@pbs!ci", ugid_type: "user", roleid: "DatastoreBackup", propagate: true },
    ]);
    expect(seen.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it("gives an API token without Sys.Audit nothing, not even its own entries", async () => {
    const { ac } = await setUp();
    await grant(ac, "alice@pbs", "/", "DatastoreAdmin");
    await grant(ac, "alice@pbs!ci", "/datastore", "DatastoreAudit");
    expect((await ac.readAcl(ALICE_CI, {})).data).toEqual([]);
  });

  it("gives a holder of Sys.Audit on /access/acl every entry", async () => {
    const { ac } = await setUp();
    await grant(ac, "bob@pbs", "/access/acl", "Audit");
    expect((await ac.readAcl(BOB, {})).data.map((entry) => entry.ugid).sort()).toEqual(["admin@pbs", "bob@pbs"]);
  });
});

describe("update_acl (src/api2/access/acl.rs)", () => {
  it("lets a user without Permissions.Modify set entries for its own token, within its own privileges", async () => {
    const { ac, store } = await setUp();
    await grant(ac, "alice@pbs", "/datastore/store1", "DatastorePowerUser");
    await ac.updateAcl(ALICE, { path: "/datastore/store1", role: "DatastoreBackup", authId: "alice@pbs!ci" });
    expect(entriesOf(store, "alice@pbs!ci")).toEqual(["/datastore/store1 DatastoreBackup"]);
    // Gatehouse is stricter than PBS here: a role whose privileges the user lacks is refused.
    const tooMuch = ac.updateAcl(ALICE, { path: "/datastore/store1", role: "DatastoreAdmin", authId: "alice@pbs!ci" });
    await expect(tooMuch).rejects.toThrow(/Datastore\.Audit/);
    await expect(
      ac.updateAcl(ALICE, { path: "/datastore/store1", role: "DatastoreBackup", authId: "alice@pbs!ci", delete: true }),
    ).resolves.toBeUndefined();
    expect(entriesOf(store, "alice@pbs!ci")).toEqual([]);
    // NoAccess grants nothing, so it is always within one's privileges.
    await ac.updateAcl(ALICE, { path: "/", role: "NoAccess", authId: "alice@pbs!ci" });
    expect(entriesOf(store, "alice@pbs!ci")).toEqual(["/ NoAccess"]);
  });

  it("refuses an unprivileged user's entries for itself, for other users' tokens, and any entry set by a token", async () => {
    const { ac } = await setUp();
    await grant(ac, "alice@pbs", "/", "Admin");
    await grant(ac, "alice@pbs!ci", "/", "Audit");
    await grant(ac, "bob@pbs", "/datastore", "DatastoreAdmin");
    await expect(ac.updateAcl(BOB, { path: "/datastore", role: "DatastoreAudit", authId: "bob@pbs" })).rejects.toThrow(
      "Unprivileged users can only set ACL items for API tokens.",
    );
    await expect(ac.updateAcl(BOB, { path: "/datastore", role: "DatastoreAudit", authId: "alice@pbs!ci" })).rejects.toThrow(
      "Unprivileged users can only set ACL items for their own API tokens.",
    );
    // alice's token reads /access/acl but lacks Permissions.Modify (Audit): it may set nothing.
    await expect(ac.updateAcl(ALICE_CI, { path: "/", role: "NoAccess", authId: "alice@pbs!ci" })).rejects.toThrow(
      "Unprivileged API tokens can't set ACL items.",
    );
    await expect(ac.updateAcl(BOB, { path: "/", role: "Audit", authId: "bob@pbs" })).rejects.toBeInstanceOf(PermissionDeniedError);
  });

  it("makes NoAccess replace every other role of the same id on the same path, and any role replace NoAccess (insert_user_role, pbs-config/src/acl.rs)", async () => {
    const { ac, store } = await setUp();
    await grant(ac, "bob@pbs", "/datastore/store1", "DatastoreReader");
    await grant(ac, "bob@pbs", "/datastore/store1", "DatastoreBackup");
    await grant(ac, "bob@pbs", "/datastore", "DatastoreAudit");
    await grant(ac, "bob@pbs", "/datastore/store1", "NoAccess", false);
    expect(entriesOf(store, "bob@pbs")).toEqual(["/datastore DatastoreAudit", "/datastore/store1 NoAccess"]);
    await grant(ac, "bob@pbs", "/datastore/store1", "DatastoreReader");
    expect(entriesOf(store, "bob@pbs")).toEqual(["/datastore DatastoreAudit", "/datastore/store1 DatastoreReader"]);
  });

  it("updates the propagate flag of an existing entry in place", async () => {
    const { ac, store } = await setUp();
    await grant(ac, "bob@pbs", "/system", "Audit");
    await grant(ac, "bob@pbs", "/remote", "RemoteAudit");
    await grant(ac, "bob@pbs", "/system", "Audit", false);
    expect(store.backend.state.config.acl.filter((entry) => entry.ugid === "bob@pbs")).toEqual([
      { path: "/system", ugid: "bob@pbs", roleid: "Audit", propagate: false },
      { path: "/remote", ugid: "bob@pbs", roleid: "RemoteAudit", propagate: true },
    ]);
  });

  it("checks the path's shape when adding (check_acl_path) but lets an entry on any path be removed", async () => {
    const { ac, store } = await setUp();
    const refused = await ac.updateAcl(ADMIN, { path: "/vms/100", role: "Audit", authId: "bob@pbs" }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InvalidParameterError);
    expect((refused as InvalidParameterError).errors).toEqual({ path: "invalid acl path '/vms/100'." });
    // An entry PBS wrote before a path was retired (or a hand edit) can still be removed.
    store.editOutOfBand((state) => {
      state.config.acl.push({ path: "/vms/100", ugid: "bob@pbs", roleid: "Audit", propagate: true });
    });
    await ac.updateAcl(ADMIN, { path: "/vms/100", role: "Audit", authId: "bob@pbs", delete: true });
    expect(entriesOf(store, "bob@pbs")).toEqual([]);
  });

  it("refuses an entry for an id that does not exist, but removes one for it", async () => {
    const { ac } = await setUp();
    await expect(ac.updateAcl(ADMIN, { path: "/", role: "Audit", authId: "carol@pbs" })).rejects.toBeInstanceOf(NotFoundError);
    await expect(ac.updateAcl(ADMIN, { path: "/", role: "Audit", authId: "carol@pbs", delete: true })).resolves.toBeUndefined();
  });
});

describe("separate users and ACL digests (user.cfg and acl.cfg)", () => {
  it("keeps the ACL digest valid across a user edit, and the users digest across an ACL edit", async () => {
    const { ac } = await setUp();
    const aclDigest = (await ac.readAcl(ADMIN, {})).digest;
    const usersDigest = (await ac.readUser(ADMIN, "bob@pbs")).digest;
    expect(aclDigest).not.toBe(usersDigest);
    await ac.updateUser(ADMIN, "alice@pbs", { comment: "an unrelated edit" });
    await ac.updateAcl(ADMIN, { path: "/system", role: "Audit", authId: "bob@pbs", digest: aclDigest });
    const usersDigestAfterUserEdit = (await ac.readUser(ADMIN, "bob@pbs")).digest;
    expect(usersDigestAfterUserEdit).not.toBe(usersDigest);
    await ac.updateUser(ADMIN, "bob@pbs", { comment: "after an ACL edit", digest: usersDigestAfterUserEdit });
    // A stale digest of the same part is still a conflict.
    await expect(ac.updateAcl(ADMIN, { path: "/remote", role: "Audit", authId: "bob@pbs", digest: aclDigest })).rejects.toBeInstanceOf(
      ConflictError,
    );
  });
});

describe("list_permissions (src/api2/access/mod.rs)", () => {
  it("lists the default paths and every node of the ACL tree, leaving out paths without privileges", async () => {
    const { ac } = await setUp();
    await grant(ac, "bob@pbs", "/datastore/store1/ns1", "DatastoreReader");
    await grant(ac, "alice@pbs", "/remote", "RemoteAudit");
    const bob = await ac.readPermissions(BOB, {});
    // Only the one path where bob holds something: the defaults and /datastore/store1 grant him nothing.
    expect(bob).toEqual({
      "/datastore/store1/ns1": { "Datastore.Audit": true, "Datastore.Read": true, "Datastore.Verify": true },
    });
    const admin = await ac.readPermissions(ADMIN, {});
    expect(Object.keys(admin).sort()).toEqual([
      "/",
      "/access",
      "/datastore",
      "/datastore/store1",
      "/datastore/store1/ns1",
      "/remote",
      "/system",
    ]);
  });

  it("leaves out an explicitly asked path where the id holds nothing", async () => {
    const { ac } = await setUp();
    expect(await ac.readPermissions(BOB, { path: "/system" })).toEqual({});
  });

  it("lets a user read its own token's permissions, but not a token its owner's", async () => {
    const { ac } = await setUp();
    await grant(ac, "alice@pbs", "/", "Audit");
    await grant(ac, "alice@pbs!ci", "/system", "Audit");
    expect(await ac.readPermissions(ALICE, { authId: "alice@pbs!ci", path: "/system" })).toEqual({
      "/system": { "Datastore.Audit": true, "Sys.Audit": true },
    });
    await expect(ac.readPermissions(ALICE_CI, { authId: "alice@pbs" })).rejects.toBeInstanceOf(PermissionDeniedError);
  });
});

describe("confirmation-password (user_update_auth, src/api2/access/mod.rs)", () => {
  it("needs the caller's own current password, and never a ticket in its place", async () => {
    const { ac } = await setUp();
    await expect(ac.confirmActorPassword(ALICE, undefined)).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(ac.confirmActorPassword(ALICE, "bob-password")).rejects.toBeInstanceOf(PermissionDeniedError);
    const login = await ac.login({ username: "alice@pbs", password: "alice-password" });
    await expect(ac.confirmActorPassword(ALICE, login?.ticket)).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(ac.confirmActorPassword(ALICE, "alice-password")).resolves.toBeUndefined();
    // The local CLI and tokens pass here: the CLI owns the store, and setPassword refuses tokens.
    await expect(ac.confirmActorPassword(SYSTEM_ACTOR, undefined)).resolves.toBeUndefined();
    await expect(ac.confirmActorPassword(ALICE_CI, undefined)).resolves.toBeUndefined();
  });

  it("counts wrong confirmations as failed logins, so a stolen session cannot guess through it", async () => {
    const { ac } = await setUp();
    let throttled = false;
    for (let attempt = 0; attempt < 20 && !throttled; attempt++) {
      const error = await ac.confirmActorPassword(ALICE, `guess-${attempt}`, "192.0.2.7").catch((caught: unknown) => caught);
      throttled = (error as Error).name === "TooManyRequestsError";
    }
    expect(throttled).toBe(true);
  });
});

describe("a user's own record (read_user and update_user, src/api2/access/user.rs)", () => {
  it("lets a user read its record and edit its comment, names and email without any privilege", async () => {
    const { ac, store } = await setUp();
    const { digest } = await ac.readUser(ALICE, "alice@pbs");
    await ac.updateUser(ALICE, "alice@pbs", { comment: "on call", firstname: "Alice", email: "alice@example.com", digest });
    await ac.updateUser(ALICE, "alice@pbs", { delete: ["email"] });
    expect(store.backend.state.config.users["alice@pbs"]).toMatchObject({ comment: "on call", firstname: "Alice" });
    expect(store.backend.state.config.users["alice@pbs"]).not.toHaveProperty("email");
  });

  it("keeps enable, expire and the password of one's own record, other users' records and tokens' owners with user admins", async () => {
    const { ac } = await setUp();
    await expect(ac.updateUser(ALICE, "alice@pbs", { expire: 4102444800 })).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(ac.updateUser(ALICE, "alice@pbs", { enable: true })).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(ac.updateUser(ALICE, "alice@pbs", { password: "a-new-password" })).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(ac.updateUser(ALICE, "bob@pbs", { comment: "hi" })).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(ac.updateUser(ALICE_CI, "alice@pbs", { comment: "from a token" })).rejects.toBeInstanceOf(PermissionDeniedError);
  });
});
