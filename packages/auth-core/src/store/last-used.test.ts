/**
 * Issue 14, last use: a cached token request only updates memory; a batch reaches
 * the store at the minute flush and at close; handles merge by the later time; the
 * extended listings and the single reads show `last-used` and `created`, and
 * `unusedForDays` filters.
 */
import { afterEach, describe, expect, it } from "vitest";
import { AccessControl, SYSTEM_ACTOR } from "../access/access-control.js";
import { ManualClock } from "../core/clock.js";
import { LastUsedTracker } from "./last-used.js";
import { MemoryAccessStore } from "../test-support/memory-store.js";
import { createSharedBackend } from "../test-support/backends.js";
import type { BackendKind, SharedBackend } from "../test-support/backends.js";
import { FakeHasher } from "../test-support/fake-hasher.js";
import { describeWithPostgres, probePostgres } from "../test-support/postgres-test-database.js";

const postgres = await probePostgres();
const START_MS = Date.UTC(2026, 7, 1, 12, 0, 30);

const backends: SharedBackend[] = [];
afterEach(async () => {
  await Promise.allSettled(backends.splice(0).map((backend) => backend.dispose()));
});

describe("LastUsedTracker", () => {
  it("keeps uses in memory at minute precision and writes only changed entries, merging by the later time", async () => {
    const store = new MemoryAccessStore();
    const written: number[] = [];
    const record = store.recordLastUsed.bind(store);
    store.recordLastUsed = async (uses) => {
      written.push(uses.size);
      await record(uses);
    };
    const tracker = new LastUsedTracker(store);
    for (let i = 0; i < 1000; i += 1) tracker.note("a@pbs!t", START_MS + i, "192.0.2.1");
    expect(written, "no store write on the request path").toEqual([]);
    expect(tracker.readPending().get("a@pbs!t")).toEqual({ time: Math.floor(START_MS / 60_000) * 60, source: "192.0.2.1" });
    await tracker.flush();
    await tracker.flush();
    expect(written, "the second flush had nothing new").toEqual([1]);
    tracker.note("a@pbs!t", START_MS + 20_000, "192.0.2.2");
    expect(tracker.readPending().size, "same minute: nothing to write").toBe(0);
    tracker.note("a@pbs!t", START_MS + 60_000, "192.0.2.3");
    // Another process's older batch arrives late: it does not win.
    await store.recordLastUsed(new Map([["a@pbs!t", { time: 60, source: "old" }]]));
    await tracker.flush();
    expect((await store.readLastUsed()).get("a@pbs!t")).toEqual({ time: (Math.floor(START_MS / 60_000) + 1) * 60, source: "192.0.2.3" });
  });
});

function describeLastUse(kind: BackendKind): void {
  it("notes cached token uses and logins in memory, flushes at close, and merges processes by the later time", async () => {
    const backend = await createSharedBackend(kind);
    backends.push(backend);
    const clock = new ManualClock(START_MS);
    const open = async () => AccessControl.open({ store: await backend.openHandle(), clock, hasher: new FakeHasher() });
    const a = await open();
    const b = await open();
    await a.createUser(SYSTEM_ACTOR, { userid: "lu@pbs", password: "last-Used-pass-1" });
    const { value: secret } = await a.createToken(SYSTEM_ACTOR, "lu@pbs", "ci", {});
    expect(await a.authenticateToken("lu@pbs!ci", secret, "192.0.2.7")).not.toBeNull();
    for (let i = 0; i < 100; i += 1) expect(await a.authenticateToken("lu@pbs!ci", secret, "192.0.2.7")).not.toBeNull();
    expect(await a.login({ username: "lu@pbs", password: "last-Used-pass-1", source: "192.0.2.8" })).not.toBeNull();
    expect(await backend.readRawLastUsed()).not.toContain("lu@pbs");

    // This process shows its own uses before they are flushed.
    const own = await a.listAllTokens(SYSTEM_ACTOR, { limit: 10 });
    expect(own.data[0]).toMatchObject({
      tokenid: "lu@pbs!ci",
      "last-used": Math.floor(START_MS / 60_000) * 60,
      "last-used-source": "192.0.2.7",
    });

    clock.advanceSeconds(120);
    expect(await b.authenticateToken("lu@pbs!ci", secret, "192.0.2.9")).not.toBeNull();
    await b.close();
    await a.close();
    const c = await open();
    const listed = await c.listAllTokens(SYSTEM_ACTOR, { limit: 10 });
    expect(listed.data[0]).toMatchObject({ "last-used": Math.floor(START_MS / 60_000) * 60 + 120, "last-used-source": "192.0.2.9" });
    expect(listed.data[0]?.created).toBe(Math.floor(START_MS / 1000));
    const users = await c.listUsers(SYSTEM_ACTOR, { query: { limit: 10 } });
    expect(users.data.find((user) => user.userid === "lu@pbs")).toMatchObject({
      "last-used-source": "192.0.2.8",
      created: Math.floor(START_MS / 1000),
    });
  });

  it("single reads of a token and a user carry created, last use and the overlap deadline", async () => {
    const backend = await createSharedBackend(kind);
    backends.push(backend);
    const clock = new ManualClock(START_MS);
    const accessControl = await AccessControl.open({ store: await backend.openHandle(), clock, hasher: new FakeHasher() });
    await accessControl.createUser(SYSTEM_ACTOR, { userid: "one@pbs", password: "single-Read-pass-1" });
    const { value: secret } = await accessControl.createToken(SYSTEM_ACTOR, "one@pbs", "job", {});
    const createdS = Math.floor(START_MS / 1000);
    const fresh = await accessControl.readToken(SYSTEM_ACTOR, "one@pbs", "job");
    expect(fresh.data).toMatchObject({ tokenid: "one@pbs!job", created: createdS, status: "active" });
    expect(fresh.data, "never used yet").not.toHaveProperty("last-used");
    expect(fresh.data, "no overlap yet").not.toHaveProperty("previous-secret-until");

    clock.advanceSeconds(90);
    expect(await accessControl.authenticateToken("one@pbs!job", secret, "192.0.2.20")).not.toBeNull();
    expect(await accessControl.login({ username: "one@pbs", password: "single-Read-pass-1", source: "192.0.2.21" })).not.toBeNull();
    await accessControl.updateToken(SYSTEM_ACTOR, "one@pbs", "job", { regenerate: true, grace: 3600 });
    const usedMinute = Math.floor((START_MS + 90_000) / 60_000) * 60;
    const token = await accessControl.readToken(SYSTEM_ACTOR, "one@pbs", "job");
    expect(token.data).toMatchObject({
      created: createdS,
      "last-used": usedMinute,
      "last-used-source": "192.0.2.20",
      "previous-secret-until": createdS + 90 + 3600,
    });
    const user = await accessControl.readUser(SYSTEM_ACTOR, "one@pbs");
    expect(user.data).toMatchObject({ created: createdS, "last-used": usedMinute, "last-used-source": "192.0.2.21" });
    expect(user.data, "internal fields stay private").not.toHaveProperty("ticketsNotBefore");

    clock.advanceSeconds(3600);
    expect((await accessControl.readToken(SYSTEM_ACTOR, "one@pbs", "job")).data, "the overlap ended").not.toHaveProperty(
      "previous-secret-until",
    );
    await accessControl.close();
  });

  it("filters tokens and users neither used nor created within N days", async () => {
    const backend = await createSharedBackend(kind);
    backends.push(backend);
    const clock = new ManualClock(START_MS);
    const accessControl = await AccessControl.open({ store: await backend.openHandle(), clock, hasher: new FakeHasher() });
    await accessControl.createUser(SYSTEM_ACTOR, { userid: "old@pbs" });
    const used = await accessControl.createToken(SYSTEM_ACTOR, "old@pbs", "used", {});
    await accessControl.createToken(SYSTEM_ACTOR, "old@pbs", "idle", {});
    clock.advanceSeconds(40 * 86_400);
    expect(await accessControl.authenticateToken(used.tokenid, used.value)).not.toBeNull();
    const unused = await accessControl.listAllTokens(SYSTEM_ACTOR, {}, 30);
    expect(unused.data.map((row) => row.tokenid)).toEqual(["old@pbs!idle"]);
    expect((await accessControl.listTokens(SYSTEM_ACTOR, "old@pbs", {}, 30)).data.map((row) => row.tokenid)).toEqual(["old@pbs!idle"]);
    expect((await accessControl.listUsers(SYSTEM_ACTOR, { unusedForDays: 30 })).data.map((user) => user.userid)).toEqual(["old@pbs"]);
    expect((await accessControl.listAllTokens(SYSTEM_ACTOR, {}, 41)).data).toHaveLength(0);
    await accessControl.close();
  });
}

describe("last use: memory backend", () => describeLastUse("memory"));
describe("last use: file backend", () => describeLastUse("file"));
describeWithPostgres(postgres, "last use: PostgreSQL backend", () => describeLastUse("postgres"));
