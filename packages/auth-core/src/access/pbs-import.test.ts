/**
 * gatehouse import-pbs: the PBS files of test-support/pbs-config (written in PBS's
 * formats: pbs-config/src/user.rs section config, pbs-config/src/acl.rs lines,
 * src/auth.rs shadow.json, pbs-config/src/token_shadow.rs) merged into a store.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { AccessControl } from "./access-control.js";
import { ManualClock } from "../core/clock.js";
import { classifyCryptHash } from "../crypto/legacy-crypt-hash.js";
import { applyPbsImport, planPbsImport, readPbsConfigDir } from "./pbs-import.js";
import { FakeHasher } from "../test-support/fake-hasher.js";
import { MemoryAccessStore } from "../test-support/memory-store.js";

const FIXTURE_DIR = fileURLToPath(new URL("../test-support/pbs-config/", import.meta.url));
const ADMIN_PASSWORD_IN_PBS = "pbs-admin-password";
const ALICE_PASSWORD_IN_PBS = "alice-from-pbs";
const ALICE_TOKEN_SECRET_IN_PBS = "6f1c3c6e-4b8e-4a56-9a1e-2f4d6c0a9b11";

async function setUp() {
  const store = new MemoryAccessStore();
  const hasher = new FakeHasher();
  const ac = await AccessControl.open({ store, clock: new ManualClock(), hasher });
  // A Gatehouse that has run once: admin@pbs with its own password and Admin on /.
  await ac.ensureInitialAdmin("gatehouse-admin-password");
  return { store, ac, hasher };
}

describe("import-pbs: reading PBS's files", () => {
  it("keeps pbs-realm users and every token, and names what it leaves out and why", async () => {
    const plan = await readPbsConfigDir(FIXTURE_DIR);
    expect(plan.users.map((user) => user.userid)).toEqual(["admin@pbs", "alice@pbs", "bob@pbs"]);
    expect(plan.users.find((user) => user.userid === "alice@pbs")).toEqual({
      userid: "alice@pbs",
      enable: true,
      expire: 4102444800,
      comment: "backup operator",
      firstname: "Alice",
      lastname: "Liddell",
    });
    expect(plan.users.find((user) => user.userid === "bob@pbs")?.enable).toBe(false);
    expect(plan.tokens.map((token) => token.tokenid)).toEqual(["alice@pbs!backup", "bob@pbs!legacy", "root@pam!monitor"]);
    const reasons = Object.fromEntries(plan.skipped.map((skip) => [`${skip.kind} ${skip.id}`, skip.reason]));
    expect(reasons["user root@pam"]).toMatch(/realm 'pam' is not supported/);
    expect(reasons["user carol@ldap-corp"]).toMatch(/realm 'ldap-corp' is not supported/);
    expect(reasons["password bob@pbs"]).toMatch(/yescrypt .* cannot verify/);
    expect(reasons["password bob@pbs"]).toContain("gatehouse user passwd bob@pbs");
    expect(reasons["token-secret bob@pbs!legacy"]).toContain("gatehouse token regenerate bob@pbs!legacy");
    expect(reasons["password ghost@pbs"]).toMatch(/no such user/);
    expect(reasons["acl /tape @operators TapeOperator"]).toMatch(/group/);
    expect(reasons["acl acl.cfg:8"]).toBe("invalid acl path '/nodes/pbs1'");
    expect(reasons["acl /system carol@ldap-corp Audit"]).toMatch(/not in user.cfg/);
    // Nothing in the report repeats a hash.
    expect(JSON.stringify(plan.skipped)).not.toMatch(/Zq8Xl2mVfN4TgR1b|aL1cE5alt|t0kenSalt|\$j9T\$/);
  });

  it("refuses a directory without user.cfg before touching anything", async () => {
    await expect(readPbsConfigDir(fileURLToPath(new URL("../test-support/", import.meta.url)))).rejects.toThrow(/user\.cfg/);
  });

  it("reports malformed lines and files instead of failing the whole import", () => {
    const plan = planPbsImport({
      users: "user: ok@pbs\n\tenable maybe\n\nuser: fine@pbs\n\tcolour blue\n\nnonsense line\nuser: good@pbs\n\tcomment fine\n",
      acl: "acl:2:/:good@pbs:Admin\nacl:1:/:good@pbs:Root\nnot an acl line\n",
      passwords: "[1, 2]",
      tokenSecrets: "{not json",
    });
    expect(plan.users.map((user) => user.userid)).toEqual(["good@pbs"]);
    expect(plan.acl).toEqual([]);
    expect(plan.skipped.map((skip) => skip.reason)).toEqual(
      expect.arrayContaining([
        "enable 'maybe' is not a boolean",
        "unknown property 'colour'",
        "not a section header ('type: id')",
        "propagate flag '2' is not 0 or 1",
        "unknown role 'Root'",
        "not an 'acl:<0|1>:<path>:<ids>:<roles>' line",
        "not a JSON object; none of its hashes were imported",
        "not valid JSON; none of its hashes were imported",
      ]),
    );
  });

  it("applies NoAccess within the file as PBS builds its tree: it replaces the id's other roles on the path", () => {
    const plan = planPbsImport({
      users: "user: dave@pbs\n",
      acl: "acl:1:/system:dave@pbs:Audit\nacl:0:/system:dave@pbs:NoAccess\nacl:1:/remote:dave@pbs:NoAccess\nacl:1:/remote:dave@pbs:RemoteAudit\n",
      passwords: null,
      tokenSecrets: null,
    });
    expect(plan.acl.map((entry) => `${entry.path} ${entry.roleid} ${entry.propagate}`)).toEqual([
      "/system NoAccess false",
      "/remote RemoteAudit true",
    ]);
  });
});

describe("import-pbs: merging into the store", () => {
  it("adds everything new in one store mutation, and leaves what Gatehouse has alone", async () => {
    const { store, ac } = await setUp();
    const before = store.reads.mutate;
    const report = await applyPbsImport(store, await readPbsConfigDir(FIXTURE_DIR));
    expect(store.reads.mutate - before).toBe(1);
    expect(report.added).toEqual({ users: 2, tokens: 2, acl: 5, passwords: 1, tokenSecrets: 1 });
    expect(report.unchanged).toEqual({ users: 1, tokens: 0, acl: 1, passwords: 1, tokenSecrets: 0 });
    const reasons = Object.fromEntries(report.skipped.map((skip) => [`${skip.kind} ${skip.id}`, skip.reason]));
    expect(reasons["token root@pam!monitor"]).toBe("its user root@pam is not there");
    // admin@pbs existed: its Gatehouse password stands, the PBS one is not imported over it.
    expect(await ac.login({ username: "admin@pbs", password: "gatehouse-admin-password" })).not.toBeNull();
    expect(await ac.login({ username: "admin@pbs", password: ADMIN_PASSWORD_IN_PBS })).toBeNull();
    const acl = store.backend.state.config.acl.map((entry) => `${entry.path} ${entry.ugid} ${entry.roleid}`);
    expect(acl).toEqual(
      expect.arrayContaining([
        "/datastore/store1 alice@pbs DatastorePowerUser",
        "/datastore/store1 alice@pbs!backup DatastoreBackup",
        "/datastore/store1/ns1 bob@pbs NoAccess",
        "/remote/offsite alice@pbs RemoteSyncOperator",
        "/remote/offsite bob@pbs RemoteSyncOperator",
      ]),
    );
  });

  it("is idempotent: a second run adds nothing and changes nothing", async () => {
    const { store } = await setUp();
    const plan = await readPbsConfigDir(FIXTURE_DIR);
    await applyPbsImport(store, plan);
    const after = structuredClone(store.backend.state);
    const again = await applyPbsImport(store, plan);
    expect(again.added).toEqual({ users: 0, tokens: 0, acl: 0, passwords: 0, tokenSecrets: 0 });
    expect(store.backend.state).toEqual(after);
  });

  it("never half-applies: a failing store leaves nothing behind", async () => {
    const { store } = await setUp();
    const before = structuredClone(store.backend.state);
    const failing = Object.create(store) as MemoryAccessStore;
    failing.mutate = async (change) =>
      store.mutate((state) => {
        change(state);
        throw new Error("disk full");
      });
    await expect(applyPbsImport(failing, await readPbsConfigDir(FIXTURE_DIR))).rejects.toThrow("disk full");
    expect(store.backend.state).toEqual(before);
  });
});

describe("import-pbs: PBS's hashes at login and token use", () => {
  it("accepts an imported sha256-crypt password and re-hashes it to argon2id on the first success", async () => {
    const { store, ac, hasher } = await setUp();
    await applyPbsImport(store, await readPbsConfigDir(FIXTURE_DIR));
    expect(classifyCryptHash(store.backend.state.passwordHashes["alice@pbs"] ?? "")).toBe("sha256-crypt");
    expect(await ac.login({ username: "alice@pbs", password: "not-her-password" })).toBeNull();
    expect(classifyCryptHash(store.backend.state.passwordHashes["alice@pbs"] ?? "")).toBe("sha256-crypt");
    const hashesBefore = hasher.hashes;
    expect(await ac.login({ username: "alice@pbs", password: ALICE_PASSWORD_IN_PBS })).not.toBeNull();
    expect(hasher.hashes).toBe(hashesBefore + 1);
    const upgraded = store.backend.state.passwordHashes["alice@pbs"] ?? "";
    expect(classifyCryptHash(upgraded)).not.toBe("sha256-crypt");
    expect(await hasher.verify(upgraded, ALICE_PASSWORD_IN_PBS)).toBe(true);
    expect(await ac.login({ username: "alice@pbs", password: ALICE_PASSWORD_IN_PBS })).not.toBeNull();
    expect(hasher.hashes).toBe(hashesBefore + 1);
  });

  it("accepts an imported sha256-crypt token secret and re-hashes it on its first use", async () => {
    const { store, ac } = await setUp();
    await applyPbsImport(store, await readPbsConfigDir(FIXTURE_DIR));
    expect(await ac.authenticateToken("alice@pbs!backup", "00000000-0000-4000-8000-000000000000")).toBeNull();
    expect(await ac.authenticateToken("alice@pbs!backup", ALICE_TOKEN_SECRET_IN_PBS)).toMatchObject({ authid: "alice@pbs!backup" });
    expect(classifyCryptHash(store.backend.state.tokenHashes["alice@pbs!backup"] ?? "")).not.toBe("sha256-crypt");
    expect(await ac.authenticateToken("alice@pbs!backup", ALICE_TOKEN_SECRET_IN_PBS)).toMatchObject({ authid: "alice@pbs!backup" });
  });

  it("leaves a user whose PBS hash was yescrypt without a password: no login until one is set", async () => {
    const { store, ac } = await setUp();
    await applyPbsImport(store, await readPbsConfigDir(FIXTURE_DIR));
    await ac.updateUser({ authid: "admin@pbs", userid: "admin@pbs", tokenName: null, via: "ticket" }, "bob@pbs", { enable: true });
    expect(store.backend.state.passwordHashes).not.toHaveProperty("bob@pbs");
    expect(store.backend.state.tokenHashes).not.toHaveProperty("bob@pbs!legacy");
    expect(await ac.login({ username: "bob@pbs", password: "anything at all" })).toBeNull();
  });
});
