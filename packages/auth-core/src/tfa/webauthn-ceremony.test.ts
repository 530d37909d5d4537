/**
 * A whole WebAuthn ceremony through the AccessControl facade, with a software
 * authenticator: an ES256 key from node:crypto, the authenticator data laid out as
 * WebAuthn §6.1 says, CBOR from @simplewebauthn/server's own helpers. Registration
 * stores the credential; a login answers the partial ticket's challenge with a
 * signed assertion; replays, foreign origins, foreign keys and another login's
 * challenge are refused.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { isoCBOR } from "@simplewebauthn/server/helpers";
import { describe, expect, it } from "vitest";
import { AccessControl } from "../access/access-control.js";
import type { AuthContext, SecondFactorRequired } from "../access/types.js";
import { ManualClock } from "../core/clock.js";
import { FakeHasher } from "../test-support/fake-hasher.js";
import { MemoryAccessStore } from "../test-support/memory-store.js";
import { MemoryTfaStore } from "./tfa-store.js";
import { WEBAUTHN_CHALLENGE_TTL_S } from "./two-factor.js";

const RP_ID = "backup.example";
const ORIGIN = "https://backup.example:8007";
const ADMIN: AuthContext = { authid: "admin@pbs", userid: "admin@pbs", tokenName: null, via: "ticket" };
const ALICE: AuthContext = { authid: "alice@pbs", userid: "alice@pbs", tokenName: null, via: "ticket" };
const NO_THROTTLE = { maxFailures: 1_000_000, windowS: 60 };

/** WebAuthn §6.1 flags. */
const FLAG_USER_PRESENT = 0x01;
const FLAG_ATTESTED_CREDENTIAL = 0x40;
/** COSE: EC2 key type, ES256, curve P-256. */
const COSE_KTY_EC2 = 2;
const COSE_ALG_ES256 = -7;
const COSE_CRV_P256 = 1;

const b64url = (bytes: Uint8Array | Buffer): string => Buffer.from(bytes).toString("base64url");
const sha256 = (data: Uint8Array | string): Buffer => createHash("sha256").update(data).digest();

function uint32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
}

/** One security key holding one credential, as a browser would drive it. */
class SoftwareAuthenticator {
  readonly credentialId = randomBytes(32);
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private signCount = 0;

  constructor() {
    ({ privateKey: this.privateKey, publicKey: this.publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" }));
  }

  private cosePublicKey(): Uint8Array {
    const jwk = this.publicKey.export({ format: "jwk" });
    const key = new Map<number, number | Uint8Array>([
      [1, COSE_KTY_EC2],
      [3, COSE_ALG_ES256],
      [-1, COSE_CRV_P256],
      [-2, Buffer.from(jwk.x ?? "", "base64url")],
      [-3, Buffer.from(jwk.y ?? "", "base64url")],
    ]);
    return isoCBOR.encode(key);
  }

  /** navigator.credentials.create() with attestation "none". */
  register(options: { challenge: string; rp: { id?: string } }, origin = ORIGIN) {
    const clientDataJSON = Buffer.from(
      JSON.stringify({ type: "webauthn.create", challenge: options.challenge, origin, crossOrigin: false }),
    );
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    const authData = Buffer.concat([
      sha256(options.rp.id ?? RP_ID),
      Buffer.from([FLAG_USER_PRESENT | FLAG_ATTESTED_CREDENTIAL]),
      uint32(this.signCount),
      Buffer.alloc(16), // AAGUID: none given
      idLength,
      this.credentialId,
      this.cosePublicKey(),
    ]);
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", authData],
      ]) as never,
    );
    return {
      id: b64url(this.credentialId),
      rawId: b64url(this.credentialId),
      type: "public-key",
      response: { clientDataJSON: b64url(clientDataJSON), attestationObject: b64url(attestationObject), transports: ["usb"] },
      clientExtensionResults: {},
    };
  }

  /** navigator.credentials.get(): signs authenticator data and the client data's hash. */
  assert(challenge: string, { origin = ORIGIN, signWith = this.privateKey }: { origin?: string; signWith?: KeyObject } = {}) {
    this.signCount += 1;
    const clientDataJSON = Buffer.from(JSON.stringify({ type: "webauthn.get", challenge, origin, crossOrigin: false }));
    const authData = Buffer.concat([sha256(RP_ID), Buffer.from([FLAG_USER_PRESENT]), uint32(this.signCount)]);
    // ES256 over authData || SHA-256(clientDataJSON), DER-encoded as WebAuthn expects.
    const signature = sign("sha256", Buffer.concat([authData, sha256(clientDataJSON)]), signWith);
    return {
      id: b64url(this.credentialId),
      rawId: b64url(this.credentialId),
      type: "public-key",
      response: { clientDataJSON: b64url(clientDataJSON), authenticatorData: b64url(authData), signature: b64url(signature) },
      clientExtensionResults: {},
    };
  }
}

async function setUp() {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0));
  const tfaStore = new MemoryTfaStore();
  const ac = await AccessControl.open({
    store: new MemoryAccessStore(),
    clock,
    hasher: new FakeHasher(),
    tfaStore,
    webauthn: { rpId: RP_ID, origins: [ORIGIN] },
    sourceThrottle: NO_THROTTLE,
    identityThrottle: NO_THROTTLE,
  });
  await ac.ensureInitialAdmin("admin-password");
  await ac.createUser(ADMIN, { userid: "alice@pbs", password: "alice-password" });
  return { ac, clock, tfaStore };
}

async function registerKey(ac: AccessControl, key: SoftwareAuthenticator): Promise<string> {
  const started = await ac.twoFactor.addEntry(ALICE, "alice@pbs", { type: "webauthn", description: "yubikey", password: "alice-password" });
  const { publicKey } = JSON.parse(started.challenge ?? "{}") as { publicKey: { challenge: string; rp: { id?: string } } };
  const done = await ac.twoFactor.addEntry(ALICE, "alice@pbs", {
    type: "webauthn",
    challenge: started.challenge ?? "",
    value: JSON.stringify(key.register(publicKey)),
    password: "alice-password",
  });
  return done.id ?? "";
}

async function firstStep(ac: AccessControl): Promise<SecondFactorRequired> {
  const login = await ac.login({ username: "alice@pbs", password: "alice-password" });
  if (login === null || !("secondFactorRequired" in login)) throw new Error("expected a second-factor challenge");
  return login;
}

function loginChallenge(step: SecondFactorRequired): string {
  const challenge = step.challenge.webauthn?.publicKey.challenge;
  if (challenge === undefined) throw new Error("expected a WebAuthn challenge");
  return challenge;
}

function answer(ac: AccessControl, step: SecondFactorRequired, assertion: unknown) {
  return ac.loginSecondFactor({ username: "alice@pbs", challengeTicket: step.ticket, response: `webauthn:${JSON.stringify(assertion)}` });
}

describe("a WebAuthn ceremony with a software authenticator", () => {
  it("registers a key, then logs in with an assertion over the partial ticket's challenge", async () => {
    const { ac, tfaStore } = await setUp();
    const key = new SoftwareAuthenticator();
    const id = await registerKey(ac, key);
    expect(await ac.twoFactor.listUser(ALICE, "alice@pbs")).toEqual([
      expect.objectContaining({ type: "webauthn", id, description: "yubikey" }),
    ]);

    const step = await firstStep(ac);
    expect(step.challenge.webauthn?.publicKey.rpId).toBe(RP_ID);
    expect(step.challenge.webauthn?.publicKey.allowCredentials?.map((credential) => credential.id)).toEqual([b64url(key.credentialId)]);
    const login = await answer(ac, step, key.assert(loginChallenge(step)));
    expect(login?.username).toBe("alice@pbs");
    // The signature counter is kept, so a cloned key that lags behind would show.
    expect((await tfaStore.readUser("alice@pbs"))?.webauthn[0]?.counter).toBe(1);
  });

  it("an assertion works once: the same one again is refused, as is an answer to another login's challenge", async () => {
    const { ac } = await setUp();
    const key = new SoftwareAuthenticator();
    await registerKey(ac, key);
    const first = await firstStep(ac);
    const assertion = key.assert(loginChallenge(first));
    expect(await answer(ac, first, assertion)).not.toBeNull();
    expect(await answer(ac, first, assertion)).toBeNull();

    const second = await firstStep(ac);
    const third = await firstStep(ac);
    // Signed for the third login's challenge, sent with the second's partial ticket.
    expect(await answer(ac, second, key.assert(loginChallenge(third)))).toBeNull();
  });

  it("refuses another origin, another key's signature, and a challenge older than its lifetime", async () => {
    const { ac, clock } = await setUp();
    const key = new SoftwareAuthenticator();
    await registerKey(ac, key);
    const phishing = await firstStep(ac);
    expect(await answer(ac, phishing, key.assert(loginChallenge(phishing), { origin: "https://backup.example.evil:8007" }))).toBeNull();

    const forged = await firstStep(ac);
    const stranger = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    expect(await answer(ac, forged, key.assert(loginChallenge(forged), { signWith: stranger }))).toBeNull();

    const late = await firstStep(ac);
    clock.advanceMs((WEBAUTHN_CHALLENGE_TTL_S + 1) * 1000);
    expect(await answer(ac, late, key.assert(loginChallenge(late)))).toBeNull();

    // None of these used the key up: a fresh login with it still works.
    const fresh = await firstStep(ac);
    expect(await answer(ac, fresh, key.assert(loginChallenge(fresh)))).not.toBeNull();
  });

  it("registration checks the origin and the relying party, and the same key cannot be added twice", async () => {
    const { ac } = await setUp();
    const key = new SoftwareAuthenticator();
    for (const [origin, rpId] of [
      ["https://elsewhere.example:8007", RP_ID],
      [ORIGIN, "elsewhere.example"],
    ] as const) {
      const started = await ac.twoFactor.addEntry(ALICE, "alice@pbs", { type: "webauthn", description: "key", password: "alice-password" });
      const { publicKey } = JSON.parse(started.challenge ?? "{}") as { publicKey: { challenge: string } };
      const value = JSON.stringify(key.register({ challenge: publicKey.challenge, rp: { id: rpId } }, origin));
      await expect(
        ac.twoFactor.addEntry(ALICE, "alice@pbs", {
          type: "webauthn",
          challenge: started.challenge ?? "",
          value,
          password: "alice-password",
        }),
      ).rejects.toHaveProperty("errors.value");
    }
    expect(await ac.twoFactor.listUser(ALICE, "alice@pbs")).toEqual([]);

    await registerKey(ac, key);
    // The browser is told to exclude it; a client that ignores that is refused by the server.
    const started = await ac.twoFactor.addEntry(ALICE, "alice@pbs", { type: "webauthn", description: "again", password: "alice-password" });
    const { publicKey } = JSON.parse(started.challenge ?? "{}") as {
      publicKey: { challenge: string; excludeCredentials: { id: string }[] };
    };
    expect(publicKey.excludeCredentials.map((credential) => credential.id)).toEqual([b64url(key.credentialId)]);
    await expect(
      ac.twoFactor.addEntry(ALICE, "alice@pbs", {
        type: "webauthn",
        challenge: started.challenge ?? "",
        value: JSON.stringify(key.register({ challenge: publicKey.challenge, rp: { id: RP_ID } })),
        password: "alice-password",
      }),
    ).rejects.toMatchObject({ errors: { value: "credential id already present" } });
  });
});
