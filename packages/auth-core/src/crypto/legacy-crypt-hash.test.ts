import { describe, expect, it } from "vitest";
import { classifyCryptHash, isVerifiableSha256Crypt, SHA256_CRYPT_MAX_ROUNDS, verifySha256Crypt } from "./legacy-crypt-hash.js";

// Reference values from `openssl passwd -5 -salt saltstring 'Hello world!'` (the
// example of the SHA-crypt specification) and `openssl passwd -5 -salt ... `.
const SPEC_EXAMPLE = "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5";
const WITH_ROUNDS = "$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA";

describe("sha256-crypt verification (PBS's $5$ hashes)", () => {
  it("verifies the specification's example and refuses a wrong password", () => {
    expect(verifySha256Crypt(SPEC_EXAMPLE, "Hello world!")).toBe(true);
    expect(verifySha256Crypt(SPEC_EXAMPLE, "Hello world")).toBe(false);
  });

  it("honours an explicit rounds count", () => {
    expect(verifySha256Crypt(WITH_ROUNDS, "Hello world!")).toBe(true);
  });

  it("refuses malformed hashes and excessive rounds without throwing", () => {
    for (const hash of [
      "",
      "$5$",
      "$5$salt$short",
      `${SPEC_EXAMPLE}x`,
      "$6$saltstring$abc",
      "$5$rounds=999999999$salt$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5",
    ]) {
      expect(verifySha256Crypt(hash, "Hello world!"), hash).toBe(false);
    }
    expect(isVerifiableSha256Crypt(`$5$rounds=${SHA256_CRYPT_MAX_ROUNDS}$s$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5`)).toBe(true);
    expect(isVerifiableSha256Crypt(`$5$rounds=${SHA256_CRYPT_MAX_ROUNDS + 1}$s$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5`)).toBe(false);
  });

  it("tells the hash kinds PBS writes apart", () => {
    expect(classifyCryptHash(SPEC_EXAMPLE)).toBe("sha256-crypt");
    expect(classifyCryptHash("$y$j9T$abc$def")).toBe("yescrypt");
    expect(classifyCryptHash("$argon2id$v=19$m=19456,t=2,p=1$x$y")).toBe("argon2");
    expect(classifyCryptHash("$1$md5$x")).toBe("other");
  });
});
