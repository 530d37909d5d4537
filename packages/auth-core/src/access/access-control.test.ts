import { randomUUID } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { AccessControl } from "./access-control.js";
import { SYSTEM_ACTOR, type AccessControlOptions, type AuthContext, type LoginSuccess, type SecondFactorRequired } from "./types.js";
import { ManualClock } from "../core/clock.js";
import {
  ConflictError,
  InvalidParameterError,
  NotFoundError,
  PermissionDeniedError,
  QuotaExceededError,
  TooManyRequestsError,
} from "../core/errors.js";
import type { SecretHasher } from "../crypto/password-hash.js";
import { computeFakeHash, FakeHasher } from "../test-support/fake-hasher.js";
import { MemoryAccessStore } from "../test-support/memory-store.js";
import type { AccessState } from "../core/model.js";

const ADMIN_PASSWORD = "admin-password";
const ADMIN: AuthContext = { authid: "admin@pbs", userid: "admin@pbs", tokenName: null, via: "ticket" };
const ALICE: AuthContext = { authid: "alice@pbs", userid: "alice@pbs", tokenName: null, via: "ticket" };
const BOB: AuthContext = { authid: "bob@pbs", userid: "bob@pbs", tokenName: null, via: "ticket" };
const ALICE_TOKEN: AuthContext = { authid: "alice@pbs!ci", userid: "alice@pbs", tokenName: "ci", via: "token" };

async function setUp(options: Partial<AccessControlOptions> = {}) {
  const store = new MemoryAccessStore();
  const clock = new ManualClock();
  const hasher = new FakeHasher();
  const ac = await AccessControl.open({ store, clock, hasher, ...options });
  await ac.ensureInitialAdmin(ADMIN_PASSWORD);
  await ac.createUser(ADMIN, { userid: "alice@pbs", password: "alice-password" });
  await ac.createUser(ADMIN, { userid: "bob@pbs", password: "bob-password" });
  hasher.hashes = 0;
  hasher.verifies = 0;
  return { store, clock, hasher, ac };
}

async function grant(ac: AccessControl, authId: string, path: string, role: "Admin" | "Audit" | "NoAccess") {
  await ac.updateAcl(SYSTEM_ACTOR, { path, role, authId });
}

function paramErrors(error: unknown): Record<string, string> {
  expect(error).toBeInstanceOf(InvalidParameterError);
  return (error as InvalidParameterError).errors;
}

async function catchError(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

describe("AccessControl: first start", () => {
  it("creates admin@pbs with the Admin role on / and the given password", async () => {
    const store = new MemoryAccessStore();
    const ac = await AccessControl.open({ store, hasher: new FakeHasher() });
    expect(await ac.ensureInitialAdmin("chosen-password")).toEqual({
      userid: "admin@pbs",
      password: "chosen-password",
      generated: false,
    });
    expect(store.backend.state.config.acl).toEqual([{ path: "/", ugid: "admin@pbs", roleid: "Admin", propagate: true }]);
    expect(await ac.login({ username: "admin@pbs", password: "chosen-password" })).not.toBeNull();
  });

  it("generates a long random password when none is given", async () => {
    const ac = await AccessControl.open({ store: new MemoryAccessStore(), hasher: new FakeHasher() });
    const created = await ac.ensureInitialAdmin();
    expect(created?.generated).toBe(true);
    expect(created?.password.length).toBeGreaterThanOrEqual(24);
    expect(await ac.login({ username: "admin@pbs", password: created!.password })).not.toBeNull();
  });

  it("does nothing once users exist, and pays no hash for it", async () => {
    const hasher = new FakeHasher();
    const ac = await AccessControl.open({ store: new MemoryAccessStore(), hasher });
    await ac.ensureInitialAdmin("first-password");
    const hashesBefore = hasher.hashes;
    expect(await ac.ensureInitialAdmin("second-password")).toBeNull();
    expect(hasher.hashes).toBe(hashesBefore);
    expect(await ac.login({ username: "admin@pbs", password: "second-password" })).toBeNull();
  });

  it("creates the admin exactly once when several processes start at once", async () => {
    const first = new MemoryAccessStore();
    const handles = await Promise.all(
      [first, first.openSibling(), first.openSibling()].map((store) => AccessControl.open({ store, hasher: new FakeHasher() })),
    );
    const results = await Promise.all(handles.map((ac, i) => ac.ensureInitialAdmin(`password-${i}`)));
    const created = results.filter((r) => r !== null);
    expect(created).toHaveLength(1);
    expect(first.backend.state.config.acl).toHaveLength(1);
    expect(await handles[0]!.login({ username: "admin@pbs", password: created[0]!.password })).not.toBeNull();
  });

  it("refuses a first-start password that is too short", async () => {
    const ac = await AccessControl.open({ store: new MemoryAccessStore(), hasher: new FakeHasher() });
    expect(paramErrors(await catchError(ac.ensureInitialAdmin("abc")))).toHaveProperty("password");
  });
});

describe("AccessControl: token authentication", () => {
  it("authenticates a token with its secret and reports who it is", async () => {
    const { ac } = await setUp();
    const { tokenid, value } = await ac.createToken(ALICE, "alice@pbs", "ci", {});
    expect(tokenid).toBe("alice@pbs!ci");
    expect(await ac.authenticateToken(tokenid, value)).toEqual(ALICE_TOKEN);
  });

  it("answers a repeated request from the cache: one version read, no store read, no hash", async () => {
    const { ac, store, hasher } = await setUp();
    const { tokenid, value } = await ac.createToken(ALICE, "alice@pbs", "ci", {});
    await ac.authenticateToken(tokenid, value);
    const verifiesBefore = hasher.verifies;
    const reads = { ...store.reads };
    expect(await ac.authenticateToken(tokenid, value)).not.toBeNull();
    expect(hasher.verifies).toBe(verifiesBefore);
    expect(store.reads).toEqual({ ...reads, readVersions: reads.readVersions + 1 });
  });

  it("answers a cache hit synchronously and anything that needs a hash with a promise", async () => {
    const { ac, hasher } = await setUp();
    const { tokenid, value } = await ac.createToken(ALICE, "alice@pbs", "ci", {});
    const first = ac.authenticateTokenNow(tokenid, value);
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toEqual(ALICE_TOKEN);
    const verifies = hasher.verifies;
    // The hit: the caller itself, not a promise of it, and no hash.
    expect(ac.authenticateTokenNow(tokenid, value)).toEqual(ALICE_TOKEN);
    expect(hasher.verifies).toBe(verifies);
    // A wrong secret for a cached token is never decided at once as a success: it goes to the hash.
    const wrong = ac.authenticateTokenNow(tokenid, randomUUID());
    expect(wrong).toBeInstanceOf(Promise);
    expect(await wrong).toBeNull();
    // Malformed input is refused at once, without a promise or a hash.
    expect(ac.authenticateTokenNow(tokenid, "not-a-uuid")).toBeNull();
    expect(ac.authenticateTokenNow("alice@pbs", value)).toBeNull();
    expect(hasher.verifies).toBe(verifies + 1);
  });

  it("stops answering a rotated secret at once, on the synchronous path too (I1)", async () => {
    const { ac } = await setUp();
    const created = await ac.createToken(ALICE, "alice@pbs", "ci", {});
    await ac.authenticateTokenNow(created.tokenid, created.value);
    expect(ac.authenticateTokenNow(created.tokenid, created.value)).toEqual(ALICE_TOKEN);
    await ac.updateToken(ALICE, "alice@pbs", "ci", { regenerate: true });
    const afterRotation = ac.authenticateTokenNow(created.tokenid, created.value);
    expect(afterRotation).toBeInstanceOf(Promise);
    expect(await afterRotation).toBeNull();
  });

  it("refuses a disabled token at once, while its secret is still cached (I5)", async () => {
    const { ac } = await setUp();
    const created = await ac.createToken(ALICE, "alice@pbs", "ci", {});
    await ac.authenticateTokenNow(created.tokenid, created.value);
    await ac.updateToken(ALICE, "alice@pbs", "ci", { enable: false });
    expect(await ac.authenticateTokenNow(created.tokenid, created.value)).toBeNull();
  });

  it("never caches a wrong secret as a success", async () => {
    const { ac, hasher } = await setUp();
    const { tokenid } = await ac.createToken(ALICE, "alice@pbs", "ci", {});
    for (let i = 0; i < 3; i += 1) expect(await ac.authenticateToken(tokenid, randomUUID())).toBeNull();
    expect(hasher.verifies).toBe(3);
    // A repeat of one wrong secret is refused without another hash: remembered as wrong, never as right.
    const wrong = randomUUID();
    for (let i = 0; i < 3; i += 1) expect(await ac.authenticateToken(tokenid, wrong)).toBeNull();
    expect(hasher.verifies).toBe(4);
  });

  it("rejects malformed token ids and secrets before any hashing or hash read", async () => {
    const { ac, store, hasher } = await setUp();
    const { value } = await ac.createToken(ALICE, "alice@pbs", "ci", {});
    const readsBefore = store.reads.readTokenHash;
    expect(await ac.authenticateToken("alice@pbs", value)).toBeNull();
    expect(await ac.authenticateToken("not an id!x", value)).toBeNull();
    expect(await ac.authenticateToken("alice@pbs!ci", "x".repeat(10_000))).toBeNull();
    expect(await ac.authenticateToken("alice@pbs!ci", "")).toBeNull();
    expect(hasher.verifies).toBe(0);
    expect(store.reads.readTokenHash).toBe(readsBefore);
  });

  it("answers an unknown token id, a disabled token and a wrong secret alike, with one hash each (finding 8)", async () => {
    const { ac, hasher } = await setUp();
    const { tokenid } = await ac.createToken(ALICE, "alice@pbs", "ci", {});
    const off = await ac.createToken(ALICE, "alice@pbs", "off", { enable: false });
    expect(await ac.authenticateToken(tokenid, randomUUID())).toBeNull();
    expect(hasher.verifies).toBe(1);
    expect(await ac.authenticateToken("alice@pbs!nope", randomUUID())).toBeNull();
    expect(hasher.verifies).toBe(2);
    expect(await ac.authenticateToken("nobody@pbs!nope", randomUUID())).toBeNull();
    expect(hasher.verifies).toBe(3);
    expect(await ac.authenticateToken(off.tokenid, off.value)).toBeNull();
    expect(hasher.verifies).toBe(4);
    // Each went through the gate as a slow verification, as a wrong secret does.
    expect((await ac.readMetrics(SYSTEM_ACTOR)).slowVerifyLatency.count).toBe(4);
  });

  it("runs the hash on every request when the token cache is disabled", async () => {
    const { ac, hasher } = await setUp({ disableTokenCache: true });
    const { tokenid, value } = await ac.createToken(ALICE, "alice@pbs", "ci", {});
    for (let i = 0; i < 3; i += 1) expect(await ac.authenticateToken(tokenid, value)).not.toBeNull();
    expect(hasher.verifies).toBe(3);
  });

  it("collapses identical concurrent first requests into one hash", async () => {
    const { ac, hasher } = await setUp();
    const { tokenid, value } = await ac.createToken(ALICE, "alice@pbs", "ci", {});
    const results = await Promise.all(Array.from({ length: 5 }, () => ac.authenticateToken(tokenid, value)));
    expect(results.every((r) => r !== null)).toBe(true);
    expect(hasher.verifies).toBe(1);
  });

  it("rejects a disabled token, a disabled owner and an expired token", async () => {
    const { ac, clock } = await setUp();
    const ci = await ac.createToken(ALICE, "alice@pbs", "ci", {});
    const nowS = Math.floor(clock.nowMs() / 1000);
    const soon = await ac.createToken(ALICE, "alice@pbs", "soon", { expire: nowS + 10 });
    expect(await ac.authenticateToken(soon.tokenid, soon.value)).not.toBeNull();
    clock.advanceSeconds(10);
    expect(await ac.authenticateToken(soon.tokenid, soon.value)).toBeNull();

    await ac.updateToken(ALICE, "alice@pbs", "ci", { enable: false });
    expect(await ac.authenticateToken(ci.tokenid, ci.value)).toBeNull();
    await ac.updateToken(ALICE, "alice@pbs", "ci", { enable: true });
    expect(await ac.authenticateToken(ci.tokenid, ci.value)).not.toBeNull();
    await ac.updateUser(ADMIN, "alice@pbs", { enable: false });
    expect(await ac.authenticateToken(ci.tokenid, ci.value)).toBeNull();
  });

  it("throttles a token id after repeated wrong secrets, but keeps serving its cached secret", async () => {
    const { ac } = await setUp({ identityThrottle: { maxFailures: 3, windowS: 60 } });
    const { tokenid, value } = await ac.createToken(ALICE, "alice@pbs", "ci", {});
    expect(await ac.authenticateToken(tokenid, value)).not.toBeNull();
    for (let i = 0; i < 3; i += 1) expect(await ac.authenticateToken(tokenid, randomUUID())).toBeNull();
    const error = await catchError(ac.authenticateToken(tokenid, randomUUID()));
    expect(error).toBeInstanceOf(TooManyRequestsError);
    expect((error as TooManyRequestsError).retryAfterS).toBeGreaterThan(0);
    expect(await ac.authenticateToken(tokenid, value)).not.toBeNull();
  });

  it("never refuses the holder of the right secret because of a flood on its token id from other addresses (I7, finding 3)", async () => {
    const throttles = { identityThrottle: { maxFailures: 3, windowS: 600 }, identityCeiling: { maxFailures: 5, windowS: 600 } };
    const { ac, store, clock, hasher } = await setUp({ ...throttles, tokenCacheTtlS: 60 });
    // The secret is rotated by another process, so this one has never verified the new secret.
    const other = await AccessControl.open({ store: store.openSibling(), clock, hasher: new FakeHasher() });
    await other.createToken(ALICE, "alice@pbs", "ci", {});
    const rotated = await other.updateToken(ALICE, "alice@pbs", "ci", { regenerate: true });
    const tokenid = "alice@pbs!ci";
    // The flood: distinct wrong secrets from ten addresses, past every per-address limit and the id's ceiling.
    for (let address = 0; address < 10; address += 1) {
      for (let i = 0; i < 3; i += 1) await ac.authenticateToken(tokenid, randomUUID(), `10.9.0.${address}`).catch(() => null);
      expect(await catchError(ac.authenticateToken(tokenid, randomUUID(), `10.9.0.${address}`))).toBeInstanceOf(TooManyRequestsError);
    }
    // An unrelated change anywhere, and the TTL passing, change nothing for the holder.
    await other.createToken(BOB, "bob@pbs", "x", {});
    await other.deleteToken(BOB, "bob@pbs", "x");
    clock.advanceSeconds(61);
    const verifies = hasher.verifies;
    expect(await ac.authenticateToken(tokenid, rotated!.secret, "10.0.0.1")).toEqual(ALICE_TOKEN);
    expect(hasher.verifies).toBe(verifies + 1);
    // An address that failed on the id meets the ceiling, unless it carries a secret verified here before.
    expect(await ac.authenticateToken(tokenid, randomUUID(), "10.0.0.2")).toBeNull();
    expect(await catchError(ac.authenticateToken(tokenid, randomUUID(), "10.0.0.2"))).toBeInstanceOf(TooManyRequestsError);
    clock.advanceSeconds(61);
    expect(await ac.authenticateToken(tokenid, rotated!.secret, "10.0.0.2")).toEqual(ALICE_TOKEN);
  });

  it("divides every failure limit among the processes that share it, so a host allows at most limit + processes - 1", async () => {
    const { ac } = await setUp({ identityThrottle: { maxFailures: 10, windowS: 60 }, processesSharingLimits: 3 });
    const { tokenid } = await ac.createToken(ALICE, "alice@pbs", "ci", {});
    for (let i = 0; i < 4; i += 1) expect(await ac.authenticateToken(tokenid, randomUUID(), "10.9.0.1")).toBeNull();
    expect(await catchError(ac.authenticateToken(tokenid, randomUUID(), "10.9.0.1"))).toBeInstanceOf(TooManyRequestsError);
  });

  it("lets stale runners repeat the old secret after a rotation without locking out the new one or costing a hash each (finding 3)", async () => {
    const { ac, store, clock, hasher } = await setUp({
      identityThrottle: { maxFailures: 3, windowS: 600 },
      sourceThrottle: { maxFailures: 5, windowS: 600 },
    });
    const other = await AccessControl.open({ store: store.openSibling(), clock, hasher: new FakeHasher() });
    const created = await other.createToken(ALICE, "alice@pbs", "ci", {});
    expect(await ac.authenticateToken(created.tokenid, created.value, "10.0.0.1")).toEqual(ALICE_TOKEN);
    const rotated = await other.updateToken(ALICE, "alice@pbs", "ci", { regenerate: true });
    const verifies = hasher.verifies;
    // Runners behind the same address: the stale ones keep sending the old secret.
    for (let i = 0; i < 20; i += 1) expect(await ac.authenticateToken(created.tokenid, created.value, "10.0.0.1")).toBeNull();
    expect(hasher.verifies).toBe(verifies + 1);
    expect(await ac.authenticateToken(created.tokenid, rotated!.secret, "10.0.0.1")).toEqual(ALICE_TOKEN);
  });

  it("verifies a token in steady use again in the background before its TTL, so no request waits for the hash", async () => {
    const { ac, clock, hasher } = await setUp({ tokenCacheTtlS: 60 });
    const { tokenid, value } = await ac.createToken(ALICE, "alice@pbs", "ci", {});
    expect(await ac.authenticateToken(tokenid, value)).not.toBeNull();
    expect(hasher.verifies).toBe(1);
    clock.advanceSeconds(44);
    expect(ac.authenticateTokenNow(tokenid, value)).toEqual(ALICE_TOKEN);
    expect(hasher.verifies).toBe(1);
    // Three quarters into the TTL: still answered at once, and one refresh starts for many hits.
    clock.advanceSeconds(2);
    for (let i = 0; i < 5; i += 1) expect(ac.authenticateTokenNow(tokenid, value)).toEqual(ALICE_TOKEN);
    await vi.waitFor(() => expect(hasher.verifies).toBe(2));
    // Past the original TTL the refreshed entry still answers without a hash.
    clock.advanceSeconds(24);
    expect(ac.authenticateTokenNow(tokenid, value)).toEqual(ALICE_TOKEN);
    expect(hasher.verifies).toBe(2);
    expect((await ac.readMetrics(SYSTEM_ACTOR)).tokenCache.refreshes).toBe(1);
  });

  it("drops a cached secret at once when its background refresh finds it changed by an edit no version showed", async () => {
    const { ac, clock, store } = await setUp({ tokenCacheTtlS: 60 });
    const { tokenid, value } = await ac.createToken(ALICE, "alice@pbs", "ci", {});
    expect(await ac.authenticateToken(tokenid, value)).not.toBeNull();
    store.backend.state.tokenHashes[tokenid] = computeFakeHash(randomUUID());
    clock.advanceSeconds(46);
    // Inside the TTL the cache may still answer (I3 allows it)...
    expect(ac.authenticateTokenNow(tokenid, value)).toEqual(ALICE_TOKEN);
    // ...but the refresh it started finds the hash changed, and the next request is refused, 14 s before the TTL.
    await vi.waitFor(async () => expect(await ac.authenticateToken(tokenid, value)).toBeNull());
  });

  it("throttles a source after repeated failures across token ids", async () => {
    const { ac, clock } = await setUp({ sourceThrottle: { maxFailures: 3, windowS: 60 } });
    const a = await ac.createToken(ALICE, "alice@pbs", "a", {});
    const b = await ac.createToken(BOB, "bob@pbs", "b", {});
    expect(await ac.authenticateToken(a.tokenid, randomUUID(), "10.0.0.9")).toBeNull();
    expect(await ac.authenticateToken(b.tokenid, randomUUID(), "10.0.0.9")).toBeNull();
    expect(await ac.authenticateToken(a.tokenid, randomUUID(), "10.0.0.9")).toBeNull();
    await expect(ac.authenticateToken(b.tokenid, b.value, "10.0.0.9")).rejects.toBeInstanceOf(TooManyRequestsError);
    expect(await ac.authenticateToken(b.tokenid, b.value, "10.0.0.10")).not.toBeNull();
    clock.advanceSeconds(61);
    expect(await ac.authenticateToken(a.tokenid, a.value, "10.0.0.9")).not.toBeNull();
  });

  it("answers 429 instead of queueing beyond the hash gate", async () => {
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const hasher = new FakeHasher();
    const slowHasher: SecretHasher = {
      hash: (plain) => hasher.hash(plain),
      verify: async (hash, plain) => {
        await blocked;
        return hasher.verify(hash, plain);
      },
    };
    const { ac } = await setUp({ hasher: slowHasher, hashConcurrency: 1, hashQueueLimit: 1 });
    const { tokenid } = await ac.createToken(ALICE, "alice@pbs", "ci", {});
    const running = ac.authenticateToken(tokenid, randomUUID());
    const queued = ac.authenticateToken(tokenid, randomUUID());
    await expect(ac.authenticateToken(tokenid, randomUUID())).rejects.toBeInstanceOf(TooManyRequestsError);
    release();
    expect(await running).toBeNull();
    expect(await queued).toBeNull();
  });
});

describe("AccessControl: login and tickets", () => {
  it("logs in with a password and authenticates the issued ticket", async () => {
    const { ac } = await setUp();
    const login = fullLogin(await ac.login({ username: "alice@pbs", password: "alice-password" }));
    expect(login?.username).toBe("alice@pbs");
    expect(login?.ticket).toMatch(/^PBS:alice@pbs:[0-9A-F]{8}::/);
    expect(login?.ticketInfo).toBe(`PBS:alice@pbs:${login!.ticketTime.toString(16).toUpperCase().padStart(8, "0")}::ticketinfo`);
    expect(await ac.authenticateTicket(login!.ticket)).toEqual(ALICE);
    expect(ac.verifyCsrfToken(login!.CSRFPreventionToken, "alice@pbs")).toBe(true);
    expect(ac.verifyCsrfToken(login!.CSRFPreventionToken, "bob@pbs")).toBe(false);
  });

  it("answers a verified ticket synchronously, and a tampered one never from the cache", async () => {
    const { ac } = await setUp();
    const login = await ac.login({ username: "alice@pbs", password: "alice-password" });
    const ticket = login!.ticket;
    expect(await ac.authenticateTicketNow(ticket)).toEqual(ALICE);
    expect(ac.authenticateTicketNow(ticket)).toEqual(ALICE);
    const tampered = ticket.replace("alice@pbs", "bob@pbs");
    expect(ac.authenticateTicketNow(tampered)).toBeNull();
    await ac.updateUser(ADMIN, "alice@pbs", { enable: false });
    expect(await ac.authenticateTicketNow(ticket)).toBeNull();
  });

  it("answers an unknown user and a wrong password alike, with one hash each", async () => {
    const { ac, hasher } = await setUp();
    expect(await ac.login({ username: "alice@pbs", password: "wrong-password" })).toBeNull();
    expect(hasher.verifies).toBe(1);
    expect(await ac.login({ username: "nobody@pbs", password: "wrong-password" })).toBeNull();
    expect(hasher.verifies).toBe(2);
  });

  it("refuses realms other than pbs and disabled or expired users", async () => {
    const { ac, clock } = await setUp();
    expect(await ac.login({ username: "alice@pam", password: "alice-password" })).toBeNull();
    await ac.updateUser(ADMIN, "alice@pbs", { enable: false });
    expect(await ac.login({ username: "alice@pbs", password: "alice-password" })).toBeNull();
    const nowS = Math.floor(clock.nowMs() / 1000);
    await ac.updateUser(ADMIN, "bob@pbs", { expire: nowS });
    expect(await ac.login({ username: "bob@pbs", password: "bob-password" })).toBeNull();
  });

  it("renews a ticket for its own user only", async () => {
    const { ac, clock } = await setUp();
    const alice = fullLogin(await ac.login({ username: "alice@pbs", password: "alice-password" }));
    clock.advanceSeconds(600);
    const renewed = fullLogin(await ac.login({ username: "alice@pbs", password: alice!.ticket }));
    expect(renewed?.username).toBe("alice@pbs");
    expect(renewed!.ticketTime).toBe(alice!.ticketTime + 600);
    expect(await ac.login({ username: "bob@pbs", password: alice!.ticket })).toBeNull();
  });

  it("rejects tickets of disabled users, expired tickets and tampered tickets", async () => {
    const { ac, clock } = await setUp();
    const alice = await ac.login({ username: "alice@pbs", password: "alice-password" });
    const bob = await ac.login({ username: "bob@pbs", password: "bob-password" });
    await ac.updateUser(ADMIN, "alice@pbs", { enable: false });
    expect(await ac.authenticateTicket(alice!.ticket)).toBeNull();
    expect(await ac.authenticateTicket(bob!.ticket.replace("bob@pbs", "admin@pbs"))).toBeNull();
    expect(await ac.login({ username: "alice@pbs", password: alice!.ticket })).toBeNull();
    clock.advanceSeconds(7200);
    expect(await ac.authenticateTicket(bob!.ticket)).toBeNull();
    expect(await ac.login({ username: "bob@pbs", password: bob!.ticket })).toBeNull();
  });

  it("throttles wrong passwords per (username, address) and per address, never per username alone (I7, finding 4)", async () => {
    const { ac } = await setUp({
      identityThrottle: { maxFailures: 2, windowS: 60 },
      sourceThrottle: { maxFailures: 4, windowS: 60 },
    });
    for (let i = 0; i < 2; i += 1) {
      expect(await ac.login({ username: "alice@pbs", password: `wrong-${i}`, source: "10.0.0.1" })).toBeNull();
    }
    await expect(ac.login({ username: "alice@pbs", password: "alice-password", source: "10.0.0.1" })).rejects.toBeInstanceOf(
      TooManyRequestsError,
    );
    // The same user from another address is not affected.
    expect(await ac.login({ username: "alice@pbs", password: "alice-password", source: "10.0.0.2" })).not.toBeNull();
    for (let i = 0; i < 2; i += 1) {
      expect(await ac.login({ username: "bob@pbs", password: `wrong-${i}`, source: "10.0.0.1" })).toBeNull();
    }
    // Four failures from one address throttle that address for every user...
    await expect(ac.login({ username: "admin@pbs", password: ADMIN_PASSWORD, source: "10.0.0.1" })).rejects.toBeInstanceOf(
      TooManyRequestsError,
    );
    // ...and no other.
    expect(await ac.login({ username: "admin@pbs", password: ADMIN_PASSWORD, source: "10.0.0.3" })).not.toBeNull();
  });

  it("counts a repeated wrong password once and refuses it without another hash", async () => {
    const { ac, hasher } = await setUp({ identityThrottle: { maxFailures: 2, windowS: 60 } });
    for (let i = 0; i < 10; i += 1) expect(await ac.login({ username: "alice@pbs", password: "typo", source: "10.0.0.1" })).toBeNull();
    expect(hasher.verifies).toBe(1);
    expect(await ac.login({ username: "alice@pbs", password: "alice-password", source: "10.0.0.1" })).not.toBeNull();
  });

  it("always renews a valid ticket, even from an address throttled for its user, but never another user's ticket", async () => {
    const { ac } = await setUp({ identityThrottle: { maxFailures: 2, windowS: 60 }, sourceThrottle: { maxFailures: 3, windowS: 60 } });
    const alice = await ac.login({ username: "alice@pbs", password: "alice-password", source: "10.0.0.5" });
    const bob = await ac.login({ username: "bob@pbs", password: "bob-password", source: "10.0.0.5" });
    for (let i = 0; i < 2; i += 1) {
      expect(await ac.login({ username: "alice@pbs", password: `wrong-${i}`, source: "10.0.0.5" })).toBeNull();
    }
    expect(await ac.login({ username: "bob@pbs", password: "wrong", source: "10.0.0.5" })).toBeNull();
    await expect(ac.login({ username: "alice@pbs", password: "alice-password", source: "10.0.0.5" })).rejects.toBeInstanceOf(
      TooManyRequestsError,
    );
    await expect(ac.login({ username: "alice@pbs", password: bob!.ticket, source: "10.0.0.5" })).rejects.toBeInstanceOf(
      TooManyRequestsError,
    );
    expect(await ac.login({ username: "alice@pbs", password: bob!.ticket, source: "10.0.0.6" })).toBeNull();
    expect((await ac.login({ username: "alice@pbs", password: alice!.ticket, source: "10.0.0.5" }))?.username).toBe("alice@pbs");
  });
});

describe("AccessControl: users", () => {
  it("gives a user who sees only itself digests of its own view, unchanged by other users' edits, that still guard its updates (finding 10)", async () => {
    const { ac } = await setUp();
    const seen = async () => ({
      users: (await ac.listUsers(ALICE, {})).digest,
      user: (await ac.readUser(ALICE, "alice@pbs")).digest,
      tokens: (await ac.listTokens(ALICE, "alice@pbs")).digest,
      acl: (await ac.readAcl(ALICE, {})).digest,
    });
    const before = await seen();
    expect(new Set([before.users, before.user, before.tokens]).size).toBe(1);
    const adminDigest = (await ac.listUsers(ADMIN, {})).digest;
    expect(before.users).not.toBe(adminDigest);
    // Other users' records, tokens and ACL entries change: nothing of it shows in alice's digests.
    await ac.updateUser(ADMIN, "bob@pbs", { comment: "moved to ops" });
    const bobToken = await ac.createToken(BOB, "bob@pbs", "ci", {});
    await grant(ac, bobToken.tokenid, "/", "Audit");
    expect(await seen()).toEqual(before);
    expect((await ac.listUsers(ADMIN, {})).digest).not.toBe(adminDigest);
    // The digest still guards alice's own updates: it is accepted, then stale once her record changed.
    await ac.updateUser(ALICE, "alice@pbs", { comment: "first", digest: before.user });
    await expect(ac.updateUser(ALICE, "alice@pbs", { comment: "second", digest: before.user })).rejects.toBeInstanceOf(ConflictError);
    const mine = await ac.createToken(ALICE, "alice@pbs", "mine", {});
    const afterToken = (await seen()).tokens;
    await ac.updateToken(ALICE, "alice@pbs", "mine", { comment: "x", digest: afterToken });
    await expect(ac.deleteToken(ALICE, "alice@pbs", "mine", afterToken)).rejects.toBeInstanceOf(ConflictError);
    expect(mine.tokenid).toBe("alice@pbs!mine");
    // An admin's digest is still PBS's, over the whole part.
    const admin = (await ac.listUsers(ADMIN, {})).digest;
    await ac.updateUser(ADMIN, "bob@pbs", { comment: "back", digest: admin });
  });

  it("lists every user for an auditor and only oneself otherwise", async () => {
    const { ac } = await setUp();
    await ac.createToken(ALICE, "alice@pbs", "ci", { comment: "pipeline" });
    const all = await ac.listUsers(ADMIN, {});
    expect(all.data.map((u) => u.userid)).toEqual(["admin@pbs", "alice@pbs", "bob@pbs"]);
    expect(all.digest).toMatch(/^[0-9a-f]{64}$/);
    const own = await ac.listUsers(ALICE, { includeTokens: true });
    expect(own.data).toEqual([
      {
        userid: "alice@pbs",
        enable: true,
        expire: 0,
        tokens: [{ tokenid: "alice@pbs!ci", "token-name": "ci", enable: true, expire: 0, comment: "pipeline" }],
      },
    ]);
    await grant(ac, "bob@pbs", "/access/users", "Audit");
    expect((await ac.listUsers(BOB, {})).data).toHaveLength(3);
  });

  it("reads oneself freely and others only with Sys.Audit", async () => {
    const { ac } = await setUp();
    expect((await ac.readUser(ALICE, "alice@pbs")).data.userid).toBe("alice@pbs");
    await expect(ac.readUser(ALICE, "bob@pbs")).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(ac.readUser(ADMIN, "carol@pbs")).rejects.toBeInstanceOf(NotFoundError);
    expect(paramErrors(await catchError(ac.readUser(ADMIN, "no realm")))).toHaveProperty("userid");
  });

  it("creates users only with Permissions.Modify, and pays no hash for a refused one", async () => {
    const { ac, hasher } = await setUp();
    await expect(ac.createUser(ALICE, { userid: "carol@pbs", password: "carol-password" })).rejects.toBeInstanceOf(PermissionDeniedError);
    expect(hasher.hashes).toBe(0);
    await ac.createUser(ADMIN, { userid: "carol@pbs", password: "carol-password", comment: "new" });
    expect((await ac.readUser(ADMIN, "carol@pbs")).data).toEqual({
      userid: "carol@pbs",
      enable: true,
      expire: 0,
      comment: "new",
      created: expect.any(Number) as number,
    });
    expect(await ac.login({ username: "carol@pbs", password: "carol-password" })).not.toBeNull();
  });

  it("refuses duplicate users, other realms and bad fields", async () => {
    const { ac } = await setUp();
    await expect(ac.createUser(ADMIN, { userid: "alice@pbs" })).rejects.toBeInstanceOf(ConflictError);
    expect(paramErrors(await catchError(ac.createUser(ADMIN, { userid: "carol@pam" })))).toHaveProperty("userid");
    expect(paramErrors(await catchError(ac.createUser(ADMIN, { userid: "carol@pbs", expire: -1 })))).toHaveProperty("expire");
    expect(paramErrors(await catchError(ac.createUser(ADMIN, { userid: "carol@pbs", comment: "two\nlines" })))).toHaveProperty("comment");
    expect(paramErrors(await catchError(ac.createUser(ADMIN, { userid: "carol@pbs", password: "abc" })))).toHaveProperty("password");
  });

  it("updates and clears user fields, guarded by the digest", async () => {
    const { ac } = await setUp();
    const { digest } = await ac.readUser(ADMIN, "alice@pbs");
    await ac.updateUser(ADMIN, "alice@pbs", { comment: "c", email: "a@example.com", digest });
    await expect(ac.updateUser(ADMIN, "alice@pbs", { comment: "stale", digest })).rejects.toBeInstanceOf(ConflictError);
    await expect(ac.updateUser(ADMIN, "alice@pbs", { comment: "x", digest: "0".repeat(64) })).rejects.toBeInstanceOf(ConflictError);
    await ac.updateUser(ADMIN, "alice@pbs", { delete: ["comment"] });
    expect((await ac.readUser(ADMIN, "alice@pbs")).data).toEqual({
      userid: "alice@pbs",
      enable: true,
      expire: 0,
      email: "a@example.com",
      created: expect.any(Number) as number,
    });
    expect(paramErrors(await catchError(ac.updateUser(ADMIN, "alice@pbs", { delete: ["userid"] })))).toHaveProperty("delete");
    await expect(ac.updateUser(ADMIN, "carol@pbs", { comment: "x" })).rejects.toBeInstanceOf(NotFoundError);
    // Her own comment is hers to edit (access-control.pbs-rules.test.ts); her expiry is not.
    await expect(ac.updateUser(ALICE, "alice@pbs", { expire: 1 })).rejects.toBeInstanceOf(PermissionDeniedError);
  });

  it("deletes a user with its tokens, hashes and every ACL entry naming it or its tokens", async () => {
    const { ac, store } = await setUp();
    const token = await ac.createToken(ALICE, "alice@pbs", "ci", {});
    await ac.createToken(BOB, "bob@pbs", "ci", {});
    await grant(ac, "alice@pbs", "/system", "Audit");
    await grant(ac, "alice@pbs!ci", "/system", "Audit");
    await grant(ac, "bob@pbs", "/system", "Audit");
    await expect(ac.deleteUser(ALICE, "alice@pbs")).rejects.toBeInstanceOf(PermissionDeniedError);

    await ac.deleteUser(ADMIN, "alice@pbs");
    const state = store.backend.state;
    expect(Object.keys(state.config.users).sort()).toEqual(["admin@pbs", "bob@pbs"]);
    expect(Object.keys(state.config.tokens)).toEqual(["bob@pbs!ci"]);
    expect(Object.keys(state.tokenHashes)).toEqual(["bob@pbs!ci"]);
    expect(Object.keys(state.passwordHashes).sort()).toEqual(["admin@pbs", "bob@pbs"]);
    expect(state.config.acl.map((e) => e.ugid).sort()).toEqual(["admin@pbs", "bob@pbs"]);
    expect(await ac.authenticateToken(token.tokenid, token.value)).toBeNull();
    await expect(ac.deleteUser(ADMIN, "alice@pbs")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("lets a user change its own password, but not a token of that user", async () => {
    const { ac } = await setUp();
    await ac.setPassword(ALICE, "alice@pbs", "alice-new-password");
    expect(await ac.login({ username: "alice@pbs", password: "alice-password" })).toBeNull();
    expect(await ac.login({ username: "alice@pbs", password: "alice-new-password" })).not.toBeNull();
    await expect(ac.setPassword(ALICE_TOKEN, "alice@pbs", "from-a-token")).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(ac.setPassword(ALICE, "bob@pbs", "not-mine-to-set")).rejects.toBeInstanceOf(PermissionDeniedError);
    await ac.setPassword(ADMIN, "bob@pbs", "bob-new-password");
    expect(await ac.login({ username: "bob@pbs", password: "bob-new-password" })).not.toBeNull();
    await expect(ac.setPassword(ADMIN, "carol@pbs", "whatever")).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("AccessControl: tokens", () => {
  it("refuses a token past the per-user or the total quota with a message naming the limit, before any hash (finding 6)", async () => {
    const { ac, hasher, store } = await setUp({ maxTokensPerUser: 2, maxTokens: 3 });
    await ac.createToken(ALICE, "alice@pbs", "a", {});
    await ac.createToken(ALICE, "alice@pbs", "b", {});
    const hashes = hasher.hashes;
    const perUser = await catchError(ac.createToken(ALICE, "alice@pbs", "c", {}));
    expect(perUser).toBeInstanceOf(QuotaExceededError);
    expect((perUser as Error).message).toMatch(/alice@pbs.*2 API tokens.*GATEHOUSE_MAX_TOKENS_PER_USER/);
    expect(hasher.hashes).toBe(hashes);
    await ac.createToken(BOB, "bob@pbs", "a", {});
    const total = await catchError(ac.createToken(BOB, "bob@pbs", "b", {}));
    expect(total).toBeInstanceOf(QuotaExceededError);
    expect((total as Error).message).toMatch(/3 API tokens.*GATEHOUSE_MAX_TOKENS\b/);
    expect(Object.keys(store.backend.state.config.tokens)).toHaveLength(3);
    // Deleting one makes room again; regenerating never counts as a new token.
    await ac.deleteToken(ALICE, "alice@pbs", "b");
    await ac.updateToken(ALICE, "alice@pbs", "a", { regenerate: true });
    await ac.createToken(ALICE, "alice@pbs", "c", {});
  });

  it("checks the quota again under the store lock, so concurrent creations cannot overshoot it", async () => {
    const { ac, store } = await setUp({ maxTokensPerUser: 3, hashLimitPerActor: 10 });
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => ac.createToken(ALICE, "alice@pbs", `t${i}`, {})));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(3);
    for (const o of outcomes) if (o.status === "rejected") expect(o.reason).toBeInstanceOf(QuotaExceededError);
    expect(Object.keys(store.backend.state.config.tokens)).toHaveLength(3);
  });

  it("lets a user manage its own tokens without any ACL entry", async () => {
    const { ac } = await setUp();
    const created = await ac.createToken(ALICE, "alice@pbs", "ci", { comment: "pipeline", expire: 0 });
    expect(created.value).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const { data, digest } = await ac.listTokens(ALICE, "alice@pbs");
    expect(data).toEqual([{ tokenid: "alice@pbs!ci", "token-name": "ci", enable: true, expire: 0, comment: "pipeline" }]);
    expect(await ac.updateToken(ALICE, "alice@pbs", "ci", { delete: ["comment"], digest })).toBeNull();
    // A single read carries the lifecycle extension fields (decision 033).
    expect((await ac.readToken(ALICE, "alice@pbs", "ci")).data).toEqual({
      tokenid: "alice@pbs!ci",
      "token-name": "ci",
      enable: true,
      expire: 0,
      created: expect.any(Number) as number,
      status: "active",
    });
    await ac.deleteToken(ALICE, "alice@pbs", "ci");
    expect((await ac.listTokens(ALICE, "alice@pbs")).data).toEqual([]);
  });

  it("keeps a user away from other users' tokens unless it holds Permissions.Modify", async () => {
    const { ac } = await setUp();
    await ac.createToken(BOB, "bob@pbs", "ci", {});
    await expect(ac.listTokens(ALICE, "bob@pbs")).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(ac.readToken(ALICE, "bob@pbs", "ci")).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(ac.createToken(ALICE, "bob@pbs", "x", {})).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(ac.updateToken(ALICE, "bob@pbs", "ci", { regenerate: true })).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(ac.deleteToken(ALICE, "bob@pbs", "ci")).rejects.toBeInstanceOf(PermissionDeniedError);
    await grant(ac, "alice@pbs", "/access/users", "Admin");
    expect((await ac.listTokens(ALICE, "bob@pbs")).data).toHaveLength(1);
    await ac.createToken(ALICE, "bob@pbs", "x", {});
    await ac.deleteToken(ALICE, "bob@pbs", "ci");
  });

  it("never lets a token create, update, regenerate or delete its owner's tokens, even as Admin", async () => {
    const { ac } = await setUp();
    await ac.createToken(ALICE, "alice@pbs", "ci", {});
    await grant(ac, "alice@pbs", "/", "Admin");
    await grant(ac, "alice@pbs!ci", "/", "Admin");
    await expect(ac.createToken(ALICE_TOKEN, "alice@pbs", "more", {})).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(ac.updateToken(ALICE_TOKEN, "alice@pbs", "ci", { comment: "x" })).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(ac.updateToken(ALICE_TOKEN, "alice@pbs", "ci", { regenerate: true })).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(ac.deleteToken(ALICE_TOKEN, "alice@pbs", "ci")).rejects.toBeInstanceOf(PermissionDeniedError);
    // Reading is allowed: it reveals no secret.
    expect((await ac.listTokens(ALICE_TOKEN, "alice@pbs")).data).toHaveLength(1);
  });

  it("regenerates a secret: the old one stops working at once, even when it was cached", async () => {
    const { ac } = await setUp();
    const created = await ac.createToken(ALICE, "alice@pbs", "ci", {});
    expect(await ac.authenticateToken(created.tokenid, created.value)).not.toBeNull();
    const rotated = await ac.updateToken(ALICE, "alice@pbs", "ci", { regenerate: true });
    expect(rotated?.tokenid).toBe("alice@pbs!ci");
    expect(rotated?.secret).not.toBe(created.value);
    expect(await ac.authenticateToken(created.tokenid, created.value)).toBeNull();
    expect(await ac.authenticateToken(created.tokenid, rotated!.secret)).not.toBeNull();
  });

  it("answers a rotated secret from the cache in the process that rotated it, even from an address throttled for the token id", async () => {
    const { ac, hasher } = await setUp({ identityThrottle: { maxFailures: 3, windowS: 600 } });
    const created = await ac.createToken(ALICE, "alice@pbs", "ci", {});
    for (let i = 0; i < 3; i += 1) expect(await ac.authenticateToken(created.tokenid, randomUUID(), "10.9.0.1")).toBeNull();
    expect(await catchError(ac.authenticateToken(created.tokenid, randomUUID(), "10.9.0.1"))).toBeInstanceOf(TooManyRequestsError);
    const rotated = await ac.updateToken(ALICE, "alice@pbs", "ci", { regenerate: true });
    const verifies = hasher.verifies;
    expect(ac.authenticateTokenNow(created.tokenid, rotated!.secret, "10.9.0.1")).toEqual(ALICE_TOKEN);
    expect(hasher.verifies).toBe(verifies);
  });

  it("does not cache a rotated secret that another process rotated away before it could be cached (I2)", async () => {
    const store = new MemoryAccessStore();
    const other = await AccessControl.open({ store: store.openSibling(), hasher: new FakeHasher() });
    let interleave: (() => Promise<unknown>) | null = null;
    // Another process's rotation lands right after this process's rotation is written.
    const interleavingStore = Object.assign(Object.create(store) as MemoryAccessStore, {
      async mutate<T>(change: (state: AccessState) => T) {
        const outcome = await store.mutate(change);
        const pending = interleave;
        interleave = null;
        await pending?.();
        return outcome;
      },
    });
    const hasher = new FakeHasher();
    const ac = await AccessControl.open({ store: interleavingStore, hasher });
    await ac.ensureInitialAdmin(ADMIN_PASSWORD);
    await ac.createUser(ADMIN, { userid: "alice@pbs", password: "alice-password" });
    const created = await ac.createToken(ALICE, "alice@pbs", "ci", {});
    interleave = () => other.updateToken(SYSTEM_ACTOR, "alice@pbs", "ci", { regenerate: true });
    const rotatedHere = await ac.updateToken(ALICE, "alice@pbs", "ci", { regenerate: true });
    const verifies = hasher.verifies;
    expect(await ac.authenticateToken(created.tokenid, rotatedHere!.secret)).toBeNull();
    expect(hasher.verifies).toBe(verifies + 1);
  });

  it("refuses duplicate tokens, unknown users and tokens, and bad names", async () => {
    const { ac } = await setUp();
    await ac.createToken(ALICE, "alice@pbs", "ci", {});
    await expect(ac.createToken(ALICE, "alice@pbs", "ci", {})).rejects.toBeInstanceOf(ConflictError);
    await expect(ac.createToken(ADMIN, "carol@pbs", "ci", {})).rejects.toBeInstanceOf(NotFoundError);
    await expect(ac.readToken(ALICE, "alice@pbs", "nope")).rejects.toBeInstanceOf(NotFoundError);
    await expect(ac.updateToken(ALICE, "alice@pbs", "nope", { comment: "x" })).rejects.toBeInstanceOf(NotFoundError);
    await expect(ac.deleteToken(ALICE, "alice@pbs", "nope")).rejects.toBeInstanceOf(NotFoundError);
    expect(paramErrors(await catchError(ac.createToken(ALICE, "alice@pbs", "bad name", {})))).toHaveProperty("token-name");
    expect(paramErrors(await catchError(ac.createToken(ALICE, "alice@pbs", "ok", { expire: 1.5 })))).toHaveProperty("expire");
  });

  it("refuses token updates and deletes against a stale digest", async () => {
    const { ac } = await setUp();
    await ac.createToken(ALICE, "alice@pbs", "ci", {});
    const { digest } = await ac.readToken(ALICE, "alice@pbs", "ci");
    await ac.updateToken(ALICE, "alice@pbs", "ci", { comment: "first", digest });
    await expect(ac.updateToken(ALICE, "alice@pbs", "ci", { comment: "second", digest })).rejects.toBeInstanceOf(ConflictError);
    await expect(ac.deleteToken(ALICE, "alice@pbs", "ci", digest)).rejects.toBeInstanceOf(ConflictError);
    expect((await ac.readToken(ALICE, "alice@pbs", "ci")).data.comment).toBe("first");
  });

  it("removes a deleted token's ACL entries and leaves its owner's", async () => {
    const { ac, store } = await setUp();
    await ac.createToken(ALICE, "alice@pbs", "ci", {});
    await grant(ac, "alice@pbs", "/system", "Audit");
    await grant(ac, "alice@pbs!ci", "/system", "Audit");
    await ac.deleteToken(ALICE, "alice@pbs", "ci");
    expect(store.backend.state.config.acl.map((e) => e.ugid).sort()).toEqual(["admin@pbs", "alice@pbs"]);
    expect(store.backend.state.tokenHashes).not.toHaveProperty("alice@pbs!ci");
  });
});

describe("AccessControl: ACL and permissions", () => {
  it("reads the whole ACL only with Sys.Audit on /access/acl, filtered by path", async () => {
    const { ac } = await setUp();
    await ac.createToken(ALICE, "alice@pbs", "ci", {});
    await grant(ac, "alice@pbs", "/access", "Audit");
    await grant(ac, "alice@pbs!ci", "/access/users", "Audit");
    await grant(ac, "bob@pbs", "/system", "Audit");
    // Without Sys.Audit a user sees only its own tokens' entries (see access-control.pbs-rules.test.ts).
    expect((await ac.readAcl(BOB, {})).data).toEqual([]);

    const all = await ac.readAcl(ALICE, {});
    expect(all.data).toHaveLength(4);
    // PBS's ugid_type is "user" for users and tokens alike.
    expect(all.data.find((e) => e.ugid === "alice@pbs!ci")?.ugid_type).toBe("user");
    expect(all.data.find((e) => e.ugid === "bob@pbs")?.ugid_type).toBe("user");
    expect((await ac.readAcl(ALICE, { path: "/access" })).data.map((e) => e.path).sort()).toEqual(["/access", "/access/users"]);
    expect((await ac.readAcl(ALICE, { path: "/access", exact: true })).data.map((e) => e.ugid)).toEqual(["alice@pbs"]);
  });

  it("updates the ACL only with Permissions.Modify on /access/acl", async () => {
    const { ac, store } = await setUp();
    await expect(ac.updateAcl(ALICE, { path: "/", role: "Admin", authId: "alice@pbs" })).rejects.toBeInstanceOf(PermissionDeniedError);
    await ac.updateAcl(ADMIN, { path: "/system", role: "Audit", authId: "alice@pbs", propagate: false });
    await ac.updateAcl(ADMIN, { path: "/system", role: "Audit", authId: "alice@pbs", propagate: true });
    const entries = () => store.backend.state.config.acl.filter((e) => e.ugid === "alice@pbs");
    expect(entries()).toEqual([{ path: "/system", ugid: "alice@pbs", roleid: "Audit", propagate: true }]);
    await ac.updateAcl(ADMIN, { path: "/system", role: "Audit", authId: "alice@pbs", delete: true });
    expect(entries()).toEqual([]);
  });

  it("validates ACL updates and refuses a stale digest", async () => {
    const { ac } = await setUp();
    const { digest } = await ac.readAcl(ADMIN, {});
    expect(paramErrors(await catchError(ac.updateAcl(ADMIN, { path: "no-slash", role: "Audit", authId: "alice@pbs" })))).toHaveProperty(
      "path",
    );
    expect(paramErrors(await catchError(ac.updateAcl(ADMIN, { path: "/", role: "Root" as "Admin", authId: "alice@pbs" })))).toHaveProperty(
      "role",
    );
    expect(paramErrors(await catchError(ac.updateAcl(ADMIN, { path: "/", role: "Audit", authId: "nobody" })))).toHaveProperty("auth-id");
    await expect(ac.updateAcl(ADMIN, { path: "/", role: "Audit", authId: "carol@pbs" })).rejects.toBeInstanceOf(NotFoundError);
    await ac.updateAcl(ADMIN, { path: "/", role: "Audit", authId: "alice@pbs", digest });
    await expect(ac.updateAcl(ADMIN, { path: "/", role: "Audit", authId: "bob@pbs", digest })).rejects.toBeInstanceOf(ConflictError);
  });

  it("shows a token the intersection of its own and its user's privileges", async () => {
    const { ac } = await setUp();
    await ac.createToken(ALICE, "alice@pbs", "ci", {});
    expect(await ac.readPermissions(ALICE, { authId: "alice@pbs!ci", path: "/system" })).toEqual({});
    await grant(ac, "alice@pbs", "/", "Audit");
    await grant(ac, "alice@pbs!ci", "/", "Admin");
    const audit = { "Datastore.Audit": true, "Sys.Audit": true };
    expect(await ac.readPermissions(ALICE, { authId: "alice@pbs!ci", path: "/system" })).toEqual({ "/system": audit });
    expect(await ac.readPermissions(ALICE_TOKEN, {})).toEqual({
      "/": audit,
      "/access": audit,
      "/datastore": audit,
      "/remote": audit,
      "/system": audit,
    });
  });

  it("needs Sys.Audit on /access to read someone else's permissions", async () => {
    const { ac } = await setUp();
    await expect(ac.readPermissions(ALICE, { authId: "bob@pbs" })).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(ac.readPermissions(ALICE_TOKEN, { authId: "alice@pbs" })).rejects.toBeInstanceOf(PermissionDeniedError);
    await grant(ac, "alice@pbs", "/access", "Audit");
    expect(await ac.readPermissions(ALICE, { authId: "bob@pbs", path: "/access" })).toEqual({});
    const adminOnUsers = await ac.readPermissions(ADMIN, { path: "/access/users" });
    expect(Object.keys(adminOnUsers)).toEqual(["/access/users"]);
    expect(Object.keys(adminOnUsers["/access/users"] ?? {})).toHaveLength(20);
    await expect(ac.readPermissions(ADMIN, { authId: "carol@pbs" })).rejects.toBeInstanceOf(NotFoundError);
  });

  it("lets the system actor pass every check", async () => {
    const { ac } = await setUp();
    await ac.createToken(SYSTEM_ACTOR, "alice@pbs", "ops", {});
    expect((await ac.listUsers(SYSTEM_ACTOR, {})).data).toHaveLength(3);
    await ac.setPassword(SYSTEM_ACTOR, "alice@pbs", "set-by-cli");
    await ac.deleteUser(SYSTEM_ACTOR, "bob@pbs");
    expect((await ac.readAcl(SYSTEM_ACTOR, {})).data).toHaveLength(1);
  });

  it("lists the built-in realm", async () => {
    const { ac } = await setUp();
    expect(ac.listDomains()).toEqual([{ realm: "pbs", type: "pbs", comment: "Gatehouse built-in realm", default: true }]);
  });
});

describe("AccessControl: authority over accounts (issue 15, findings 1 and 2; issue 18 item 3)", () => {
  const ROOT_NARROW_TOKEN: AuthContext = { authid: "admin@pbs!narrow", userid: "admin@pbs", tokenName: "narrow", via: "token" };

  it("a token with Admin on /access/users only cannot reset, disable, delete or manage its superuser owner", async () => {
    const { ac, store } = await setUp();
    await ac.createToken(ADMIN, "admin@pbs", "narrow", {});
    await grant(ac, "admin@pbs!narrow", "/access/users", "Admin");
    const before = structuredClone(store.backend.state);
    for (const attempt of [
      ac.setPassword(ROOT_NARROW_TOKEN, "admin@pbs", "taken-over"),
      ac.updateUser(ROOT_NARROW_TOKEN, "admin@pbs", { enable: false }),
      ac.updateUser(ROOT_NARROW_TOKEN, "admin@pbs", { comment: "mine now" }),
      ac.deleteUser(ROOT_NARROW_TOKEN, "admin@pbs"),
      ac.createToken(ROOT_NARROW_TOKEN, "admin@pbs", "second", {}),
      ac.updateToken(ROOT_NARROW_TOKEN, "admin@pbs", "narrow", { regenerate: true }),
      ac.endSessions(ROOT_NARROW_TOKEN, "admin@pbs"),
    ]) {
      await expect(attempt).rejects.toBeInstanceOf(PermissionDeniedError);
    }
    expect(store.backend.state).toEqual(before);
    expect(await ac.login({ username: "admin@pbs", password: "taken-over" })).toBeNull();
  });

  it("a token never changes a password, not even of a user its ACL lets it edit", async () => {
    const { ac } = await setUp();
    await ac.createToken(ADMIN, "admin@pbs", "narrow", {});
    await grant(ac, "admin@pbs!narrow", "/access/users", "Admin");
    await expect(ac.setPassword(ROOT_NARROW_TOKEN, "alice@pbs", "new-password")).rejects.toThrow(/token cannot change passwords/);
    await ac.updateUser(ROOT_NARROW_TOKEN, "alice@pbs", { comment: "edited by a token" });
    expect((await ac.readUser(ADMIN, "alice@pbs")).data.comment).toBe("edited by a token");
  });

  it("a delegated user admin cannot reset a superuser's password, rotate its token, disable or delete it", async () => {
    const { ac, store } = await setUp();
    await grant(ac, "alice@pbs", "/access/users", "Admin");
    await ac.createToken(ADMIN, "admin@pbs", "ci", {});
    const before = structuredClone(store.backend.state);
    for (const attempt of [
      ac.setPassword(ALICE, "admin@pbs", "taken-over"),
      ac.updateToken(ALICE, "admin@pbs", "ci", { regenerate: true }),
      ac.createToken(ALICE, "admin@pbs", "backdoor", {}),
      ac.deleteToken(ALICE, "admin@pbs", "ci"),
      ac.updateUser(ALICE, "admin@pbs", { enable: false }),
      ac.deleteUser(ALICE, "admin@pbs"),
      ac.endSessions(ALICE, "admin@pbs"),
    ]) {
      await expect(attempt).rejects.toBeInstanceOf(PermissionDeniedError);
    }
    expect(store.backend.state).toEqual(before);
    // Users who hold no more than the delegate are still its to manage.
    await ac.setPassword(ALICE, "bob@pbs", "reset-by-alice");
    await ac.updateUser(ALICE, "bob@pbs", { enable: false });
    await ac.deleteUser(ALICE, "bob@pbs");
  });

  it("refuses to disable, expire, delete or strip the last superuser, and allows it once another exists", async () => {
    const { ac, clock } = await setUp();
    const last = /no enabled user with Permissions.Modify on '\/'/;
    await expect(ac.updateUser(ADMIN, "admin@pbs", { enable: false })).rejects.toThrow(last);
    await expect(ac.updateUser(ADMIN, "admin@pbs", { expire: nowS(clock) - 1 })).rejects.toThrow(last);
    await expect(ac.deleteUser(SYSTEM_ACTOR, "admin@pbs")).rejects.toBeInstanceOf(ConflictError);
    await expect(ac.updateAcl(ADMIN, { path: "/", role: "Admin", authId: "admin@pbs", delete: true })).rejects.toThrow(last);
    await expect(ac.updateAcl(ADMIN, { path: "/", role: "NoAccess", authId: "admin@pbs" })).rejects.toThrow(last);
    expect(await ac.login({ username: "admin@pbs", password: ADMIN_PASSWORD })).not.toBeNull();
    await grant(ac, "bob@pbs", "/", "Admin");
    await ac.updateUser(ADMIN, "admin@pbs", { enable: false });
    await expect(ac.deleteUser(BOB, "bob@pbs")).rejects.toThrow(last);
  });
});

function nowS(clock: ManualClock): number {
  return Math.floor(clock.nowMs() / 1000);
}

describe("AccessControl: tickets not before (issue 15, finding 7)", () => {
  async function ticketOf(ac: AccessControl, username: string, password: string): Promise<string> {
    const login = await ac.login({ username, password });
    expect(login).not.toBeNull();
    return login!.ticket;
  }

  it("a ticket of a deleted user stays dead when a user of the same name is created again, and cannot be renewed", async () => {
    const { ac, clock } = await setUp();
    await ac.createUser(ADMIN, { userid: "carol@pbs", password: "carol-password" });
    const ticket = await ticketOf(ac, "carol@pbs", "carol-password");
    clock.advanceSeconds(1);
    await ac.deleteUser(ADMIN, "carol@pbs");
    expect(await ac.authenticateTicket(ticket)).toBeNull();
    await ac.createUser(ADMIN, { userid: "carol@pbs", password: "another-password" });
    expect(await ac.authenticateTicket(ticket)).toBeNull();
    expect(await ac.login({ username: "carol@pbs", password: ticket })).toBeNull();
    // The new carol logs in as usual.
    expect(await ac.authenticateTicket(await ticketOf(ac, "carol@pbs", "another-password"))).not.toBeNull();
  });

  it("a password change, a disable and 'end all sessions' each refuse every older ticket; later tickets work", async () => {
    const { ac, clock } = await setUp();
    const changes: [string, () => Promise<void>][] = [
      ["password change", () => ac.setPassword(ADMIN, "alice@pbs", "alice-password")],
      ["password set by update", () => ac.updateUser(ADMIN, "alice@pbs", { password: "alice-password" })],
      [
        "disable",
        async () => {
          await ac.updateUser(ADMIN, "alice@pbs", { enable: false });
          await ac.updateUser(ADMIN, "alice@pbs", { enable: true });
        },
      ],
      ["end all sessions by an admin", () => ac.endSessions(ADMIN, "alice@pbs")],
      ["end all sessions by the user", () => ac.endSessions(ALICE, "alice@pbs")],
    ];
    for (const [name, change] of changes) {
      const ticket = await ticketOf(ac, "alice@pbs", "alice-password");
      expect(await ac.authenticateTicket(ticket), name).not.toBeNull();
      clock.advanceSeconds(1);
      await change();
      expect(await ac.authenticateTicket(ticket), name).toBeNull();
      expect(await ac.login({ username: "alice@pbs", password: ticket }), name).toBeNull();
      expect(await ac.authenticateTicket(await ticketOf(ac, "alice@pbs", "alice-password")), name).not.toBeNull();
      clock.advanceSeconds(1);
    }
  });

  it("ending sessions also ends a ticket of the same second; a login in that second is dated a second on and stands", async () => {
    const { ac, clock } = await setUp();
    const nowS = Math.floor(clock.nowMs() / 1000);
    const sameSecond = await ticketOf(ac, "alice@pbs", "alice-password");
    await ac.endSessions(ALICE, "alice@pbs");
    // Tickets carry whole seconds: one of this second may predate the end, so it is refused.
    expect(await ac.authenticateTicket(sameSecond)).toBeNull();
    const fresh = fullLogin(await ac.login({ username: "alice@pbs", password: "alice-password" }));
    expect(fresh?.ticketTime).toBe(nowS + 1);
    expect(await ac.authenticateTicket(fresh!.ticket)).not.toBeNull();
    expect(fullLogin(await ac.login({ username: "alice@pbs", password: fresh!.ticket }))?.username).toBe("alice@pbs");
  });

  it("an edit of comments or names leaves sessions alone, and no view shows the internal time", async () => {
    const { ac, clock } = await setUp();
    const ticket = await ticketOf(ac, "alice@pbs", "alice-password");
    clock.advanceSeconds(1);
    await ac.updateUser(ADMIN, "alice@pbs", { comment: "hello", enable: true });
    expect(await ac.authenticateTicket(ticket)).not.toBeNull();
    // The lifecycle fields of a single read (decision 033), but never ticketsNotBefore.
    expect(Object.keys((await ac.readUser(ADMIN, "alice@pbs")).data).sort()).toEqual([
      "comment",
      "created",
      "enable",
      "expire",
      "last-used",
      "userid",
    ]);
    for (const user of (await ac.listUsers(ADMIN, { includeTokens: true })).data) expect(user).not.toHaveProperty("ticketsNotBefore");
  });

  it("ending another user's sessions needs authority over that account", async () => {
    const { ac } = await setUp();
    await expect(ac.endSessions(ALICE, "bob@pbs")).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(ac.endSessions(ADMIN, "nobody@pbs")).rejects.toBeInstanceOf(NotFoundError);
  });
});

/** A login of a user without second factors is complete: narrows the result for the assertions. */
function fullLogin(login: LoginSuccess | SecondFactorRequired | null): LoginSuccess | null {
  if (login !== null && "secondFactorRequired" in login) throw new Error("unexpected second-factor challenge");
  return login;
}
