/**
 * Second factors through the AccessControl facade: TOTP windows and replay,
 * recovery keys used once, the partial ticket's scope, the PBS lockout numbers
 * (proxmox-tfa src/api/mod.rs) and the API's permission rules.
 */
import { URI, type TOTP } from "otpauth";
import { describe, expect, it } from "vitest";
import { AccessControl } from "../access/access-control.js";
import { SYSTEM_ACTOR, type AuthContext, type LoginSuccess, type SecondFactorRequired } from "../access/types.js";
import { ManualClock } from "../core/clock.js";
import { InvalidParameterError, NotFoundError, PermissionDeniedError } from "../core/errors.js";
import { computeFakeHash, FakeHasher } from "../test-support/fake-hasher.js";
import { MemoryAccessStore } from "../test-support/memory-store.js";
import { createPartialTicket, PARTIAL_TICKET_LIFETIME_S, verifyPartialTicket } from "./partial-ticket.js";
import { RECOVERY_KEY_COUNT } from "./recovery-keys.js";
import { MemoryTfaStore } from "./tfa-store.js";
import { generateTotpUri } from "./totp.js";
import { TFA_FAILURE_LIMIT, TFA_LOCK_TIME_S, TOTP_FAILURE_LIMIT } from "./two-factor.js";

const ADMIN: AuthContext = { authid: "admin@pbs", userid: "admin@pbs", tokenName: null, via: "ticket" };
const ALICE: AuthContext = { authid: "alice@pbs", userid: "alice@pbs", tokenName: null, via: "ticket" };
const BOB: AuthContext = { authid: "bob@pbs", userid: "bob@pbs", tokenName: null, via: "ticket" };
const ALICE_TOKEN: AuthContext = { authid: "alice@pbs!ci", userid: "alice@pbs", tokenName: "ci", via: "token" };
// The throttles are not what these tests are about; the lockout is.
const NO_THROTTLE = { maxFailures: 1_000_000, windowS: 60 };

async function setUp() {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0));
  const tfaStore = new MemoryTfaStore();
  const ac = await AccessControl.open({
    store: new MemoryAccessStore(),
    clock,
    hasher: new FakeHasher(),
    tfaStore,
    sourceThrottle: NO_THROTTLE,
    identityThrottle: NO_THROTTLE,
  });
  await ac.ensureInitialAdmin("admin-password");
  await ac.createUser(ADMIN, { userid: "alice@pbs", password: "alice-password" });
  await ac.createUser(ADMIN, { userid: "bob@pbs", password: "bob-password" });
  return { ac, clock, tfaStore };
}

/** Enrols a TOTP factor for alice with a code computed from the secret, as an authenticator app would. */
async function enrolTotp(ac: AccessControl, clock: ManualClock): Promise<TOTP> {
  const uri = generateTotpUri("Gatehouse", "alice@pbs");
  const totp = URI.parse(uri) as TOTP;
  await ac.twoFactor.addEntry(ALICE, "alice@pbs", {
    type: "totp",
    description: "phone",
    totp: uri,
    value: totp.generate({ timestamp: clock.nowMs() }),
    password: "alice-password",
  });
  return totp;
}

async function firstStep(ac: AccessControl, username = "alice@pbs", password = "alice-password"): Promise<SecondFactorRequired> {
  const login = await ac.login({ username, password });
  if (login === null || !("secondFactorRequired" in login)) throw new Error("expected a second-factor challenge");
  return login;
}

function secondStep(ac: AccessControl, partial: string, response: string, username = "alice@pbs"): Promise<LoginSuccess | null> {
  return ac.loginSecondFactor({ username, challengeTicket: partial, response });
}

async function catchError(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

describe("TOTP", () => {
  it("a user without second factors logs in with the password alone; with TOTP the password gives a partial ticket only", async () => {
    const { ac, clock } = await setUp();
    const before = await ac.login({ username: "alice@pbs", password: "alice-password" });
    expect(before !== null && !("secondFactorRequired" in before)).toBe(true);
    await enrolTotp(ac, clock);
    clock.advanceSeconds(30);
    const partial = await firstStep(ac);
    expect(partial.ticket).toMatch(/^PBS:!tfa!/);
    expect(partial.CSRFPreventionToken).toBe("invalid");
    expect(partial.challenge).toEqual({ totp: true });
    // The partial ticket is no session.
    expect(await ac.authenticateTicket(partial.ticket)).toBeNull();
  });

  it("accepts the code of the previous, current and next 30 s step, and nothing further out", async () => {
    const { ac, clock } = await setUp();
    const totp = await enrolTotp(ac, clock);
    clock.advanceSeconds(300);
    const now = clock.nowMs();
    for (const [offsetS, accepted] of [
      [-60, false],
      [60, false],
      [-30, true],
      [0, true],
      [30, true],
    ] as const) {
      const partial = await firstStep(ac);
      const login = await secondStep(ac, partial.ticket, `totp:${totp.generate({ timestamp: now + offsetS * 1000 })}`);
      expect(login !== null, `code of step ${offsetS / 30}`).toBe(accepted);
    }
  });

  it("a code is accepted once: the same code again, or one of an earlier step, is a replay", async () => {
    const { ac, clock } = await setUp();
    const totp = await enrolTotp(ac, clock);
    clock.advanceSeconds(120);
    const code = totp.generate({ timestamp: clock.nowMs() });
    expect(await secondStep(ac, (await firstStep(ac)).ticket, `totp:${code}`)).not.toBeNull();
    expect(await secondStep(ac, (await firstStep(ac)).ticket, `totp:${code}`)).toBeNull();
    const previous = totp.generate({ timestamp: clock.nowMs() - 30_000 });
    expect(await secondStep(ac, (await firstStep(ac)).ticket, `totp:${previous}`)).toBeNull();
    // The next step's code is still fresh.
    clock.advanceSeconds(30);
    expect(await secondStep(ac, (await firstStep(ac)).ticket, `totp:${totp.generate({ timestamp: clock.nowMs() })}`)).not.toBeNull();
  });

  it("the enrolment code cannot be replayed as a login code", async () => {
    const { ac, clock } = await setUp();
    const uri = generateTotpUri("Gatehouse", "alice@pbs");
    const totp = URI.parse(uri) as TOTP;
    const code = totp.generate({ timestamp: clock.nowMs() });
    await ac.twoFactor.addEntry(ALICE, "alice@pbs", {
      type: "totp",
      description: "phone",
      totp: uri,
      value: code,
      password: "alice-password",
    });
    expect(await secondStep(ac, (await firstStep(ac)).ticket, `totp:${code}`)).toBeNull();
  });

  it("enrolment verifies the code before saving, and checks the URI", async () => {
    const { ac, clock } = await setUp();
    const uri = generateTotpUri("Gatehouse", "alice@pbs");
    const wrong = (URI.parse(uri) as TOTP).generate({ timestamp: clock.nowMs() + 600_000 });
    const error = await catchError(
      ac.twoFactor.addEntry(ALICE, "alice@pbs", { type: "totp", description: "x", totp: uri, value: wrong, password: "alice-password" }),
    );
    expect(error).toBeInstanceOf(InvalidParameterError);
    expect(await ac.twoFactor.listUser(ALICE, "alice@pbs")).toEqual([]);
    for (const bad of [
      "otpauth://hotp/x?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&counter=1",
      "otpauth://totp/x?secret=JBSWY3DP",
      "https://example.com",
      "otpauth://totp/x?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&digits=4",
    ]) {
      const refused = await catchError(
        ac.twoFactor.addEntry(ALICE, "alice@pbs", {
          type: "totp",
          description: "x",
          totp: bad,
          value: "123456",
          password: "alice-password",
        }),
      );
      expect(refused, bad).toBeInstanceOf(InvalidParameterError);
    }
  });

  it(`${TOTP_FAILURE_LIMIT} wrong codes lock TOTP (totp-locked); a recovery key unlocks it, as in proxmox-tfa`, async () => {
    const { ac, clock } = await setUp();
    const totp = await enrolTotp(ac, clock);
    const { recovery } = await ac.twoFactor.addEntry(ALICE, "alice@pbs", { type: "recovery", password: "alice-password" });
    clock.advanceSeconds(60);
    for (let i = 0; i < TOTP_FAILURE_LIMIT; i++) {
      expect(await secondStep(ac, (await firstStep(ac)).ticket, "totp:000000")).toBeNull();
    }
    expect((await ac.twoFactor.listAll(ADMIN))[0]).toMatchObject({ userid: "alice@pbs", "totp-locked": true });
    // The right code no longer helps.
    expect(await secondStep(ac, (await firstStep(ac)).ticket, `totp:${totp.generate({ timestamp: clock.nowMs() })}`)).toBeNull();
    expect(await secondStep(ac, (await firstStep(ac)).ticket, `recovery:${recovery?.[0] ?? ""}`)).not.toBeNull();
    clock.advanceSeconds(30);
    expect(await secondStep(ac, (await firstStep(ac)).ticket, `totp:${totp.generate({ timestamp: clock.nowMs() })}`)).not.toBeNull();
  });
});

describe("recovery keys", () => {
  it(`${RECOVERY_KEY_COUNT} keys in PBS's format, shown once, stored hashed, each working once`, async () => {
    const { ac, tfaStore } = await setUp();
    const added = await ac.twoFactor.addEntry(ALICE, "alice@pbs", { type: "recovery", password: "alice-password" });
    expect(added.id).toBe("recovery");
    const keys = added.recovery ?? [];
    expect(keys).toHaveLength(RECOVERY_KEY_COUNT);
    for (const key of keys) expect(key).toMatch(/^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}$/);
    expect(new Set(keys).size).toBe(RECOVERY_KEY_COUNT);
    // Not in clear anywhere in the store, and never shown again.
    const stored = JSON.stringify(await tfaStore.readAll());
    for (const key of keys) expect(stored).not.toContain(key);
    expect(JSON.stringify(await ac.twoFactor.listUser(ALICE, "alice@pbs"))).not.toContain(keys[0]);

    const partial = await firstStep(ac);
    expect(partial.challenge.recovery).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await secondStep(ac, partial.ticket, `recovery:${keys[3] ?? ""}`)).not.toBeNull();
    expect(await secondStep(ac, (await firstStep(ac)).ticket, `recovery:${keys[3] ?? ""}`)).toBeNull();
    expect((await firstStep(ac)).challenge.recovery).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9]);
    expect(await ac.twoFactor.listUser(ALICE, "alice@pbs")).toEqual([
      expect.objectContaining({ type: "recovery", id: "recovery", available: 9 }),
    ]);
  });

  it("keys are stored as the project's password hashes (argon2id; the fake hasher here), one per key", async () => {
    const { ac, tfaStore } = await setUp();
    const keys = (await ac.twoFactor.addEntry(ALICE, "alice@pbs", { type: "recovery", password: "alice-password" })).recovery ?? [];
    const stored = (await tfaStore.readUser("alice@pbs"))?.recovery?.entries ?? [];
    expect(stored).toEqual(keys.map((key) => computeFakeHash(key)));
  });

  it("one key used by two logins at once lets exactly one in", async () => {
    const { ac } = await setUp();
    const keys = (await ac.twoFactor.addEntry(ALICE, "alice@pbs", { type: "recovery", password: "alice-password" })).recovery ?? [];
    const partials = [await firstStep(ac), await firstStep(ac), await firstStep(ac)];
    const results = await Promise.all(partials.map((partial) => secondStep(ac, partial.ticket, `recovery:${keys[5] ?? ""}`)));
    expect(results.filter((result) => result !== null)).toHaveLength(1);
  });

  it("a second set needs the first removed", async () => {
    const { ac } = await setUp();
    await ac.twoFactor.addEntry(ALICE, "alice@pbs", { type: "recovery", password: "alice-password" });
    expect(await catchError(ac.twoFactor.addEntry(ALICE, "alice@pbs", { type: "recovery", password: "alice-password" }))).toBeInstanceOf(
      InvalidParameterError,
    );
    await ac.twoFactor.deleteEntry(ALICE, "alice@pbs", "recovery", "alice-password");
    expect((await ac.twoFactor.addEntry(ALICE, "alice@pbs", { type: "recovery", password: "alice-password" })).recovery).toHaveLength(10);
  });
});

describe("the partial ticket", () => {
  it("is bound to its user: another user's partial ticket is refused in the second step", async () => {
    const { ac } = await setUp();
    const aliceKeys = (await ac.twoFactor.addEntry(ALICE, "alice@pbs", { type: "recovery", password: "alice-password" })).recovery ?? [];
    await ac.twoFactor.addEntry(BOB, "bob@pbs", { type: "recovery", password: "bob-password" });
    const bobPartial = await firstStep(ac, "bob@pbs", "bob-password");
    // Alice's valid key with Bob's partial ticket, under either name.
    expect(await secondStep(ac, bobPartial.ticket, `recovery:${aliceKeys[0] ?? ""}`, "alice@pbs")).toBeNull();
    expect(await secondStep(ac, bobPartial.ticket, `recovery:${aliceKeys[0] ?? ""}`, "bob@pbs")).toBeNull();
    // The key was not used up by those attempts.
    expect(await secondStep(ac, (await firstStep(ac)).ticket, `recovery:${aliceKeys[0] ?? ""}`)).not.toBeNull();
  });

  it(`expires after ${PARTIAL_TICKET_LIFETIME_S} s, cannot be renewed into a ticket, and is no ticket anywhere`, async () => {
    const { ac, clock } = await setUp();
    const keys = (await ac.twoFactor.addEntry(ALICE, "alice@pbs", { type: "recovery", password: "alice-password" })).recovery ?? [];
    const partial = await firstStep(ac);
    expect(await ac.login({ username: "alice@pbs", password: partial.ticket })).toBeNull();
    expect(await ac.authenticateTicket(partial.ticket)).toBeNull();
    clock.advanceSeconds(PARTIAL_TICKET_LIFETIME_S);
    expect(await secondStep(ac, partial.ticket, `recovery:${keys[0] ?? ""}`)).toBeNull();
  });

  it("a full ticket is not a partial one, a tampered one fails, and ending the sessions voids those issued before", async () => {
    const { ac, clock } = await setUp();
    const keys = (await ac.twoFactor.addEntry(ALICE, "alice@pbs", { type: "recovery", password: "alice-password" })).recovery ?? [];
    const full = await secondStep(ac, (await firstStep(ac)).ticket, `recovery:${keys[0] ?? ""}`);
    expect(full).not.toBeNull();
    expect(await secondStep(ac, full?.ticket ?? "", `recovery:${keys[1] ?? ""}`)).toBeNull();
    const partial = await firstStep(ac);
    const tampered = partial.ticket.replace("recovery", "recoverz");
    expect(await secondStep(ac, tampered, `recovery:${keys[1] ?? ""}`)).toBeNull();
    clock.advanceSeconds(5);
    await ac.endSessions(ADMIN, "alice@pbs");
    expect(await secondStep(ac, partial.ticket, `recovery:${keys[1] ?? ""}`)).toBeNull();
  });

  it("verifies only with the key and the user it was signed for", async () => {
    const { generateKeyPairSync } = await import("node:crypto");
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const other = generateKeyPairSync("ed25519");
    const ticket = createPartialTicket("alice@pbs", { totp: true, recovery: [1, 2] }, privateKey, 1_000_000);
    expect(verifyPartialTicket(ticket, "alice@pbs", publicKey, 1_000_010)).toEqual({
      challenge: { totp: true, recovery: [1, 2] },
      issuedAt: 1_000_000,
    });
    expect(verifyPartialTicket(ticket, "bob@pbs", publicKey, 1_000_010)).toBeNull();
    expect(verifyPartialTicket(ticket, "alice@pbs", other.publicKey, 1_000_010)).toBeNull();
    expect(verifyPartialTicket(ticket, "alice@pbs", publicKey, 1_000_000 + PARTIAL_TICKET_LIFETIME_S)).toBeNull();
    expect(verifyPartialTicket(ticket, "alice@pbs", publicKey, 1_000_000 - 61)).toBeNull();
    expect(verifyPartialTicket(`${ticket}A`, "alice@pbs", publicKey, 1_000_010)).toBeNull();
  });
});

describe("lockout", () => {
  it(`${TFA_FAILURE_LIMIT} failures of any factor lock every factor for ${TFA_LOCK_TIME_S} s; an admin unlocks`, async () => {
    const { ac, clock } = await setUp();
    const keys = (await ac.twoFactor.addEntry(ALICE, "alice@pbs", { type: "recovery", password: "alice-password" })).recovery ?? [];
    const partial = (await firstStep(ac)).ticket;
    for (let i = 0; i < TFA_FAILURE_LIMIT; i++) expect(await secondStep(ac, partial, "recovery:0000-0000-0000-0000")).toBeNull();
    const [view] = await ac.twoFactor.listAll(ADMIN);
    expect(view?.["tfa-locked-until"]).toBe(Math.floor(clock.nowMs() / 1000) + TFA_LOCK_TIME_S);
    expect(await secondStep(ac, (await firstStep(ac)).ticket, `recovery:${keys[0] ?? ""}`)).toBeNull();
    // Only an admin may unlock; the user cannot unlock itself.
    expect(await catchError(ac.twoFactor.unlock(ALICE, "alice@pbs"))).toBeInstanceOf(PermissionDeniedError);
    expect(await ac.twoFactor.unlock(ADMIN, "alice@pbs")).toBe(true);
    expect(await ac.twoFactor.unlock(ADMIN, "alice@pbs")).toBe(false);
    expect(await secondStep(ac, (await firstStep(ac)).ticket, `recovery:${keys[0] ?? ""}`)).not.toBeNull();
  });

  it("the lock ends by itself after the lock time", async () => {
    const { ac, clock } = await setUp();
    const keys = (await ac.twoFactor.addEntry(ALICE, "alice@pbs", { type: "recovery", password: "alice-password" })).recovery ?? [];
    const partial = (await firstStep(ac)).ticket;
    for (let i = 0; i < TFA_FAILURE_LIMIT; i++) await secondStep(ac, partial, "recovery:0000-0000-0000-0000");
    clock.advanceSeconds(TFA_LOCK_TIME_S);
    expect(await secondStep(ac, (await firstStep(ac)).ticket, `recovery:${keys[0] ?? ""}`)).not.toBeNull();
  });

  it("a malformed answer is refused without counting, as PBS fails to parse it before verifying", async () => {
    const { ac } = await setUp();
    await ac.twoFactor.addEntry(ALICE, "alice@pbs", { type: "recovery", password: "alice-password" });
    const partial = (await firstStep(ac)).ticket;
    for (const response of ["", "sms:123456", "webauthn:{not json", "u2f:{}"]) expect(await secondStep(ac, partial, response)).toBeNull();
    expect((await ac.twoFactor.listAll(ADMIN))[0]?.["tfa-locked-until"]).toBeUndefined();
  });
});

describe("the API's rules", () => {
  it("adding or removing one's own factor needs one's password; a wrong one is refused and changes nothing", async () => {
    const { ac } = await setUp();
    expect(await catchError(ac.twoFactor.addEntry(ALICE, "alice@pbs", { type: "recovery" }))).toBeInstanceOf(InvalidParameterError);
    expect(await catchError(ac.twoFactor.addEntry(ALICE, "alice@pbs", { type: "recovery", password: "wrong" }))).toBeInstanceOf(
      PermissionDeniedError,
    );
    expect(await ac.twoFactor.listUser(ALICE, "alice@pbs")).toEqual([]);
    await ac.twoFactor.addEntry(ALICE, "alice@pbs", { type: "recovery", password: "alice-password" });
    expect(await catchError(ac.twoFactor.deleteEntry(ALICE, "alice@pbs", "recovery", undefined))).toBeInstanceOf(InvalidParameterError);
    expect(await ac.twoFactor.listUser(ALICE, "alice@pbs")).toHaveLength(1);
  });

  it("another user's factors: others may neither read nor remove them; an admin with Permissions.Modify may", async () => {
    const { ac } = await setUp();
    await ac.twoFactor.addEntry(ALICE, "alice@pbs", { type: "recovery", password: "alice-password" });
    expect(await catchError(ac.twoFactor.listUser(BOB, "alice@pbs"))).toBeInstanceOf(PermissionDeniedError);
    expect(await catchError(ac.twoFactor.deleteEntry(BOB, "alice@pbs", "recovery", "bob-password"))).toBeInstanceOf(PermissionDeniedError);
    expect(await ac.twoFactor.listAll(BOB)).toEqual([]);
    expect(await ac.twoFactor.listAll(ALICE)).toEqual([expect.objectContaining({ userid: "alice@pbs" })]);
    await ac.twoFactor.deleteEntry(ADMIN, "alice@pbs", "recovery", "admin-password");
    expect(await ac.twoFactor.listUser(ADMIN, "alice@pbs")).toEqual([]);
    expect(await catchError(ac.twoFactor.readEntry(ADMIN, "alice@pbs", "recovery"))).toBeInstanceOf(NotFoundError);
  });

  it("an API token cannot manage its owner's factors, even with the password", async () => {
    const { ac } = await setUp();
    await ac.updateAcl(SYSTEM_ACTOR, { path: "/", role: "Admin", authId: "alice@pbs" });
    expect(
      await catchError(ac.twoFactor.addEntry(ALICE_TOKEN, "alice@pbs", { type: "recovery", password: "alice-password" })),
    ).toBeInstanceOf(PermissionDeniedError);
  });

  it("a disabled entry is not offered at login; the user then logs in without it (PBS)", async () => {
    const { ac, clock } = await setUp();
    await enrolTotp(ac, clock);
    const [entry] = await ac.twoFactor.listUser(ALICE, "alice@pbs");
    await ac.twoFactor.updateEntry(ALICE, "alice@pbs", entry?.id ?? "", {
      enable: false,
      description: "old phone",
      password: "alice-password",
    });
    expect(await ac.twoFactor.listUser(ALICE, "alice@pbs")).toEqual([expect.objectContaining({ description: "old phone", enable: false })]);
    const login = await ac.login({ username: "alice@pbs", password: "alice-password" });
    expect(login !== null && !("secondFactorRequired" in login)).toBe(true);
  });

  it("a password set by an admin leaves the second factor in place", async () => {
    const { ac } = await setUp();
    await ac.twoFactor.addEntry(ALICE, "alice@pbs", { type: "recovery", password: "alice-password" });
    await ac.setPassword(ADMIN, "alice@pbs", "new-alice-password");
    expect("secondFactorRequired" in ((await ac.login({ username: "alice@pbs", password: "new-alice-password" })) ?? {})).toBe(true);
  });

  it("deleting a user drops its factors: a new user of that name does not inherit them", async () => {
    const { ac } = await setUp();
    await ac.twoFactor.addEntry(ALICE, "alice@pbs", { type: "recovery", password: "alice-password" });
    await ac.deleteUser(ADMIN, "alice@pbs");
    await ac.createUser(ADMIN, { userid: "alice@pbs", password: "alice-password" });
    expect(await ac.twoFactor.listUser(ADMIN, "alice@pbs")).toEqual([]);
  });

  it("u2f and yubico are refused with 400, and a WebAuthn registration answer to an unknown challenge too", async () => {
    const { ac } = await setUp();
    for (const type of ["u2f", "yubico"] as const) {
      expect(
        await catchError(ac.twoFactor.addEntry(ALICE, "alice@pbs", { type, description: "x", password: "alice-password" })),
      ).toBeInstanceOf(InvalidParameterError);
    }
    const started = await ac.twoFactor.addEntry(ALICE, "alice@pbs", { type: "webauthn", description: "key", password: "alice-password" });
    const options = JSON.parse(started.challenge ?? "{}") as { publicKey: { challenge: string; rp: { id: string } } };
    expect(options.publicKey.rp.id).toBe("localhost");
    for (const [challenge, value] of [
      ["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "{}"],
      [started.challenge ?? "", "not json"],
      [
        started.challenge ?? "",
        JSON.stringify({ id: "x", rawId: "x", type: "public-key", response: { clientDataJSON: "e30", attestationObject: "oA" } }),
      ],
    ] as const) {
      const error = await catchError(
        ac.twoFactor.addEntry(ALICE, "alice@pbs", { type: "webauthn", challenge, value, password: "alice-password" }),
      );
      expect(error).toBeInstanceOf(InvalidParameterError);
    }
    // The challenge was used up by the failed attempt: no second try with it.
    const again = await catchError(
      ac.twoFactor.addEntry(ALICE, "alice@pbs", {
        type: "webauthn",
        challenge: started.challenge ?? "",
        value: "{}",
        password: "alice-password",
      }),
    );
    expect((again as InvalidParameterError).errors).toHaveProperty("challenge");
    expect(await ac.twoFactor.listUser(ALICE, "alice@pbs")).toEqual([]);
  });
});
