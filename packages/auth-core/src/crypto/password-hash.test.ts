import { describe, expect, it } from "vitest";
import {
  ARGON2_OPTIONS,
  argon2Hasher,
  DUMMY_PASSWORD_HASH,
  hashSecret,
  verifyAgainstDummyHash,
  verifySecretHash,
} from "./password-hash.js";
import type { SecretHasher } from "./password-hash.js";

/** Reads algorithm and cost parameters out of a PHC string, whatever their order. */
function readParameters(hash: string): { algorithm: string; m: number; t: number; p: number } {
  const [, algorithm = "", , params = ""] = hash.split("$");
  const values = new Map(params.split(",").map((kv): [string, string] => [kv.split("=")[0] ?? "", kv.split("=")[1] ?? ""]));
  return { algorithm, m: Number(values.get("m")), t: Number(values.get("t")), p: Number(values.get("p")) };
}

const EXPECTED_PARAMETERS = {
  algorithm: "argon2id",
  m: ARGON2_OPTIONS.memoryCost,
  t: ARGON2_OPTIONS.timeCost,
  p: ARGON2_OPTIONS.parallelism,
};

describe("ARGON2_OPTIONS", () => {
  it("is at least the OWASP minimum of 19 MiB and 2 passes", () => {
    expect(ARGON2_OPTIONS.memoryCost).toBeGreaterThanOrEqual(19 * 1024);
    expect(ARGON2_OPTIONS.timeCost).toBeGreaterThanOrEqual(2);
  });
});

describe("argon2Hasher", () => {
  it("verifies the secret it hashed and refuses another", async () => {
    const hash = await argon2Hasher.hash("correct horse");
    expect(await argon2Hasher.verify(hash, "correct horse")).toBe(true);
    expect(await argon2Hasher.verify(hash, "correct horse ")).toBe(false);
    expect(await argon2Hasher.verify(hash, "")).toBe(false);
  });

  it("hashes with argon2id and the configured parameters", async () => {
    expect(readParameters(await argon2Hasher.hash("s"))).toEqual(EXPECTED_PARAMETERS);
  });

  it("salts every hash", async () => {
    const [a, b] = await Promise.all([argon2Hasher.hash("same"), argon2Hasher.hash("same")]);
    expect(a).not.toBe(b);
  });

  it("returns false instead of throwing for malformed hashes", async () => {
    const good = await argon2Hasher.hash("secret");
    for (const hash of ["", "garbage", "$argon2id$", good.slice(0, -10), good.replace("argon2id", "argon9"), "$5$salt$x"]) {
      await expect(argon2Hasher.verify(hash, "secret"), hash).resolves.toBe(false);
    }
  });

  it("handles unicode secrets", async () => {
    const hash = await hashSecret("pässwörd 😀");
    expect(await verifySecretHash(hash, "pässwörd 😀")).toBe(true);
    expect(await verifySecretHash(hash, "passwort 😀")).toBe(false);
  });
});

describe("verifyAgainstDummyHash", () => {
  it("uses a dummy hash with the same algorithm and cost as real hashes", () => {
    expect(readParameters(DUMMY_PASSWORD_HASH)).toEqual(EXPECTED_PARAMETERS);
  });

  it("runs a real argon2 verification that fails", async () => {
    expect(await verifyAgainstDummyHash(argon2Hasher, "anything")).toBe(false);
    expect(await verifyAgainstDummyHash(argon2Hasher, "")).toBe(false);
  });

  it("runs exactly one verification of the injected hasher against a hash in its own format", async () => {
    const verified: string[] = [];
    const fake: SecretHasher = {
      hash: (plain) => Promise.resolve(`fake:${plain}`),
      verify: (hash, plain) => {
        verified.push(hash);
        return Promise.resolve(hash === `fake:${plain}`);
      },
    };
    expect(await verifyAgainstDummyHash(fake, "guess")).toBe(false);
    expect(await verifyAgainstDummyHash(fake, "guess")).toBe(false);
    expect(verified).toHaveLength(2);
    expect(verified[0]).toMatch(/^fake:/);
    expect(verified[1]).toBe(verified[0]);
  });
});
