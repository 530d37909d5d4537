/**
 * Issue 14, the audit log, on every backend: what is recorded and with which
 * fields, that no record ever holds a secret, password, ticket or hash, that a
 * record commits with its change or not at all, filters and paging, and (file
 * backend) the file's mode, size rotation and a torn last line.
 */
import { statSync } from "node:fs";
import { appendFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AccessControl } from "./access-control.js";
import { SYSTEM_ACTOR, type AuthContext } from "./types.js";
import { looksLikeCredential, matchesAuditQuery, parseAuditLine, requireAuditQuery, toStorableAuditEvent } from "../core/audit.js";
import type { AuditEvent, AuditRecord } from "../core/audit.js";
import { isAuditFileName } from "../store/file/audit-file-log.js";
import { ManualClock } from "../core/clock.js";
import { ConflictError, InvalidParameterError, PermissionDeniedError } from "../core/errors.js";
import { createSharedBackend } from "../test-support/backends.js";
import type { BackendKind, SharedBackend } from "../test-support/backends.js";
import { computeFakeHash, FakeHasher } from "../test-support/fake-hasher.js";
import { describeWithPostgres, probePostgres } from "../test-support/postgres-test-database.js";

const postgres = await probePostgres();

const ADMIN: AuthContext = Object.freeze({ ...SYSTEM_ACTOR, source: "192.0.2.10", requestId: "0b6c5f0e-1d1e-4a4e-9a55-5d2f2b7c9e01" });

const backends: SharedBackend[] = [];
afterEach(async () => {
  await Promise.allSettled(backends.splice(0).map((backend) => backend.dispose()));
});

async function openAccess(kind: BackendKind, clock = new ManualClock(Date.UTC(2026, 5, 1))) {
  const backend = await createSharedBackend(kind);
  backends.push(backend);
  const store = await backend.openHandle();
  const accessControl = await AccessControl.open({
    store,
    clock,
    hasher: new FakeHasher(),
    identityThrottle: { maxFailures: 3, windowS: 60 },
  });
  return { backend, store, accessControl, clock };
}

async function readAll(accessControl: AccessControl): Promise<AuditRecord[]> {
  return (await accessControl.readAudit(ADMIN, { limit: 1000 })).data;
}

/** Fire-and-forget records (throttle activations) land a moment later; bounded by count and time. */
async function waitForAction(accessControl: AccessControl, action: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (let attempt = 0; attempt < 200 && Date.now() < deadline; attempt += 1) {
    if ((await readAll(accessControl)).some((record) => record.action === action)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no ${action} record within 5 s`);
}

function describeAuditLog(kind: BackendKind): void {
  it("records logins, user, token, password and ACL changes and throttles, and never a secret, password, ticket or hash", async () => {
    const { backend, accessControl } = await openAccess(kind);
    const passwords = ["first-Password-1", "second-Password-2", "third-Password-3"];
    await accessControl.createUser(ADMIN, { userid: "alice@pbs", password: passwords[0] });
    const created = await accessControl.createToken(ADMIN, "alice@pbs", "ci", { comment: "runner" });
    const rotated = await accessControl.updateToken(ADMIN, "alice@pbs", "ci", { regenerate: true, grace: 3600 });
    await accessControl.setPassword(ADMIN, "alice@pbs", passwords[1] as string);
    await accessControl.updateUser(ADMIN, "alice@pbs", { comment: "ops", password: passwords[2] });
    await accessControl.updateAcl(ADMIN, { path: "/access", role: "Audit", authId: "alice@pbs!ci" });
    const login = await accessControl.login({
      username: "alice@pbs",
      password: passwords[2] as string,
      source: "198.51.100.7",
      requestId: "req-login",
    });
    expect(login).not.toBeNull();
    const renewal = await accessControl.login({ username: "alice@pbs", password: login?.ticket ?? "", source: "198.51.100.7" });
    expect(renewal).not.toBeNull();
    const wrong = ["wrong-Guess-1", "wrong-Guess-2", "wrong-Guess-3"];
    for (const guess of wrong)
      expect(await accessControl.login({ username: "alice@pbs", password: guess, source: "203.0.113.5" })).toBeNull();
    await waitForAction(accessControl, "throttle.activated");
    await accessControl.deleteToken(ADMIN, "alice@pbs", "ci");
    await accessControl.deleteUser(ADMIN, "alice@pbs");

    const records = await readAll(accessControl);
    const actions = records.map((record) => record.action).reverse();
    for (const expected of [
      "user.create",
      "token.create",
      "token.regenerate",
      "user.password",
      "user.update",
      "acl.update",
      "login",
      "throttle.activated",
      "token.delete",
      "user.delete",
    ]) {
      expect(actions, expected).toContain(expected);
    }
    const regenerate = records.find((record) => record.action === "token.regenerate");
    expect(regenerate).toMatchObject({
      actor: "root@pam",
      source: "192.0.2.10",
      requestId: ADMIN.requestId,
      target: "alice@pbs!ci",
      outcome: "success",
      detail: "grace=3600s",
    });
    const logins = records.filter((record) => record.action === "login");
    expect(logins.filter((record) => record.outcome === "success")).toHaveLength(2);
    expect(logins.filter((record) => record.outcome === "failure")).toHaveLength(3);
    expect(logins.find((record) => record.requestId === "req-login")).toMatchObject({ actor: "alice@pbs", source: "198.51.100.7" });
    // A failed login proves nobody's identity: no actor, the claimed user as target.
    expect(logins.find((record) => record.outcome === "failure")).toMatchObject({ actor: "", target: "alice@pbs", source: "203.0.113.5" });
    expect(records.find((record) => record.action === "throttle.activated")).toMatchObject({ target: "alice@pbs", outcome: "throttled" });

    const raw = await backend.readRawAudit();
    const credentials = [
      ...passwords,
      ...wrong,
      created.value,
      rotated?.secret ?? "missing",
      login?.ticket ?? "missing",
      renewal?.ticket ?? "missing",
      ...[...passwords, created.value, rotated?.secret ?? ""].map(computeFakeHash),
    ];
    for (const credential of credentials) expect(raw.includes(credential), "a credential reached the audit log").toBe(false);
    expect(raw).toContain("alice@pbs!ci");
  });

  it("writes a mutation's record with the change or not at all", async () => {
    const { accessControl, store } = await openAccess(kind);
    await accessControl.createUser(ADMIN, { userid: "bob@pbs" });
    const before = (await readAll(accessControl)).length;
    await expect(accessControl.createUser(ADMIN, { userid: "bob@pbs" })).rejects.toBeInstanceOf(ConflictError);
    await expect(
      store.mutate(
        () => {
          throw new Error("change fails");
        },
        { audit: [{ time: 1, actor: "root@pam", action: "user.update", target: "bob@pbs", outcome: "success" }] },
      ),
    ).rejects.toThrow("change fails");
    // A record the log refuses (it holds a ticket) fails the mutation before anything is written.
    const ticketLike: AuditEvent = { time: 1, actor: "root@pam", action: "user.update", outcome: "success", detail: "PBS:bob@pbs:0000" };
    await expect(
      store.mutate(
        (state) => {
          state.config.users["carol@pbs"] = { userid: "carol@pbs", enable: true, expire: 0 };
        },
        { audit: [ticketLike] },
      ),
    ).rejects.toThrow(/credential/);
    expect((await store.readConfig()).config.users["carol@pbs"]).toBeUndefined();
    expect(await readAll(accessControl)).toHaveLength(before);
  });

  it("filters by actor, target (a user with its tokens), action area, outcome and time, and pages newest first", async () => {
    const { accessControl, clock } = await openAccess(kind);
    const t0 = Math.floor(clock.nowMs() / 1000);
    await accessControl.createUser(ADMIN, { userid: "dave@pbs" });
    clock.advanceSeconds(100);
    await accessControl.createToken(ADMIN, "dave@pbs", "a", {});
    await accessControl.createToken(ADMIN, "dave@pbs", "b", {});
    clock.advanceSeconds(100);
    await accessControl.createUser(ADMIN, { userid: "erin@pbs" });
    await accessControl.login({ username: "erin@pbs", password: "no-Password-set", source: "203.0.113.9" });

    const byTarget = await accessControl.readAudit(ADMIN, { target: "dave@pbs", limit: 10 });
    expect(byTarget.data.map((r) => r.target)).toEqual(["dave@pbs!b", "dave@pbs!a", "dave@pbs"]);
    expect((await accessControl.readAudit(ADMIN, { target: "dave@pbs!a", limit: 10 })).total).toBe(1);
    expect((await accessControl.readAudit(ADMIN, { action: "token", limit: 10 })).total).toBe(2);
    expect((await accessControl.readAudit(ADMIN, { action: "token.create", limit: 10 })).total).toBe(2);
    expect((await accessControl.readAudit(ADMIN, { outcome: "failure", limit: 10 })).data.map((r) => r.target)).toEqual(["erin@pbs"]);
    expect((await accessControl.readAudit(ADMIN, { actor: "root@pam", limit: 10 })).total).toBe(4);
    const middle = await accessControl.readAudit(ADMIN, { since: t0 + 50, until: t0 + 150, limit: 10 });
    expect(middle.data.map((r) => r.target)).toEqual(["dave@pbs!b", "dave@pbs!a"]);
    const page = await accessControl.readAudit(ADMIN, { limit: 2, start: 1 });
    expect(page.total).toBe(5);
    expect(page.data.map((r) => r.target)).toEqual(["erin@pbs", "dave@pbs!b"]);
    const ids = (await readAll(accessControl)).map((r) => r.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
  });

  it("needs Sys.Audit on /system, and refuses malformed queries with a 400", async () => {
    const { accessControl } = await openAccess(kind);
    await accessControl.createUser(ADMIN, { userid: "frank@pbs" });
    const frank: AuthContext = { authid: "frank@pbs", userid: "frank@pbs", tokenName: null, via: "ticket" };
    await expect(accessControl.readAudit(frank, { limit: 10 })).rejects.toBeInstanceOf(PermissionDeniedError);
    await accessControl.updateAcl(ADMIN, { path: "/system", role: "Audit", authId: "frank@pbs" });
    expect((await accessControl.readAudit(frank, { limit: 10 })).total).toBeGreaterThan(0);
    await expect(accessControl.readAudit(frank, { limit: 0 })).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(accessControl.readAudit(frank, { action: "Not An Action" })).rejects.toBeInstanceOf(InvalidParameterError);
  });

  it("takes events from other features through recordAuditEvent (two-factor)", async () => {
    const { accessControl } = await openAccess(kind);
    await accessControl.recordAuditEvent(ADMIN, "tfa.totp-added", "root@pam", "success");
    await accessControl.recordAuditEvent(ADMIN, "tfa.verify", "root@pam", "failure", "totp");
    const records = await accessControl.readAudit(ADMIN, { action: "tfa", limit: 10 });
    expect(records.data.map((r) => [r.action, r.outcome])).toEqual([
      ["tfa.verify", "failure"],
      ["tfa.totp-added", "success"],
    ]);
  });
}

describe("audit log: memory backend", () => describeAuditLog("memory"));
describe("audit log: file backend", () => {
  describeAuditLog("file");

  it("is 0600, rotates by size and keeps only the retained files", async () => {
    const backend = await createSharedBackend("file", { maxFileBytes: 2048, retainedFiles: 2 });
    backends.push(backend);
    const accessControl = await AccessControl.open({ store: await backend.openHandle(), hasher: new FakeHasher() });
    for (let i = 0; i < 60; i += 1) await accessControl.createUser(ADMIN, { userid: `user${i}@pbs` });
    const dataDir = backend.dataDir as string;
    const files = (await readdir(dataDir)).filter(isAuditFileName).sort();
    expect(files).toEqual(["audit.jsonl", "audit.jsonl.1", "audit.jsonl.2"]);
    for (const file of files) expect(statSync(join(dataDir, file)).mode & 0o777).toBe(0o600);
    const kept = await readAll(accessControl);
    // Newest first and contiguous: rotation drops the oldest records only.
    expect(kept[0]?.target).toBe("user59@pbs");
    expect(kept.length).toBeLessThan(60);
    const numbers = kept.map((r) => Number(/user(\d+)@pbs/.exec(r.target ?? "")?.[1]));
    expect(numbers).toEqual(Array.from({ length: kept.length }, (_, i) => 59 - i));
  });

  it("skips a line torn by a crash and starts the next record on a fresh line", async () => {
    const backend = await createSharedBackend("file");
    backends.push(backend);
    const accessControl = await AccessControl.open({ store: await backend.openHandle(), hasher: new FakeHasher() });
    await accessControl.createUser(ADMIN, { userid: "gina@pbs" });
    await appendFile(join(backend.dataDir as string, "audit.jsonl"), '{"time":1,"actor":"root@pam","act');
    await accessControl.createUser(ADMIN, { userid: "hank@pbs" });
    expect((await readAll(accessControl)).map((r) => r.target)).toEqual(["hank@pbs", "gina@pbs"]);
  });
});
describeWithPostgres(postgres, "audit log: PostgreSQL backend", () => describeAuditLog("postgres"));

describe("audit records", () => {
  it("refuse anything shaped like a credential in any field", () => {
    const base: AuditEvent = { time: 1, actor: "root@pam", action: "user.update", outcome: "success" };
    for (const bad of [
      "PBS:root@pam:65F0A1B2::sig",
      "PBS%3Aroot",
      "$argon2id$v=19$m=65536",
      "$5$rounds=5000$salt$hash",
      "PBSAPIToken=a!b:c",
    ]) {
      expect(looksLikeCredential(bad)).toBe(true);
      expect(() => toStorableAuditEvent({ ...base, detail: bad })).toThrow(TypeError);
      expect(() => toStorableAuditEvent({ ...base, target: bad })).toThrow(TypeError);
    }
    // A token secret is a UUID: refused everywhere but in the request id, which the server makes.
    const uuid = "5b0f4c3e-2f6b-4a7b-8f7e-0c1d2e3f4a5b";
    expect(() => toStorableAuditEvent({ ...base, detail: uuid })).toThrow(TypeError);
    expect(toStorableAuditEvent({ ...base, requestId: uuid }).requestId).toBe(uuid);
    expect(() => toStorableAuditEvent({ ...base, action: "User Update" })).toThrow(TypeError);
    expect(() => toStorableAuditEvent({ ...base, detail: "line\nbreak" })).toThrow(TypeError);
  });

  it("parse only whole lines and match queries as documented", () => {
    expect(parseAuditLine('{"time":1,"actor":"a@pbs","act', 0)).toBeNull();
    expect(parseAuditLine('{"time":1,"actor":"a@pbs","action":"login","outcome":"maybe"}', 0)).toBeNull();
    const record = parseAuditLine('{"time":5,"actor":"a@pbs","action":"token.delete","target":"a@pbs!x","outcome":"success"}', 3);
    expect(record).toEqual({ id: 3, time: 5, actor: "a@pbs", action: "token.delete", target: "a@pbs!x", outcome: "success" });
    const query = requireAuditQuery({ target: "a@pbs", action: "token", since: 5, until: 6 });
    expect(matchesAuditQuery(record as AuditRecord, query)).toBe(true);
    expect(matchesAuditQuery(record as AuditRecord, { ...query, target: "a@pb" })).toBe(false);
    expect(matchesAuditQuery(record as AuditRecord, { ...query, action: "tok" })).toBe(false);
    expect(matchesAuditQuery(record as AuditRecord, { ...query, until: 5 })).toBe(false);
  });
});
