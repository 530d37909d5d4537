import { createHmac, randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createHmacSha256 } from "./hmac-sha256.js";

describe("createHmacSha256", () => {
  it("matches RFC 4231 test case 2", () => {
    const hmac = createHmacSha256(Buffer.from("Jefe"));
    expect(hmac("what do ya want for nothing?").toString("hex")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });

  it("agrees with node:crypto's createHmac for any key up to a block and any message", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.string({ unit: "grapheme", maxLength: 300 }), (key, message) => {
        const expected = createHmac("sha256", key).update(message, "utf8").digest();
        expect(createHmacSha256(key)(message).equals(expected)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("gives the same digest on every call, with the block it shares between calls", () => {
    const hmac = createHmacSha256(randomBytes(32));
    const first = hmac("alice@pbs!ci\0secret");
    hmac("something else entirely");
    expect(hmac("alice@pbs!ci\0secret").equals(first)).toBe(true);
  });

  it("refuses an empty key and one longer than a block", () => {
    expect(() => createHmacSha256(new Uint8Array(0))).toThrow(RangeError);
    expect(() => createHmacSha256(new Uint8Array(65))).toThrow(RangeError);
  });
});

describe("createHmacSha256 with long messages", () => {
  it("agrees with createHmac past its scratch space, and leaves short messages unaffected afterwards", () => {
    const key = randomBytes(32);
    const hmac = createHmacSha256(key);
    const long = "x".repeat(5000);
    expect(hmac(long).equals(createHmac("sha256", key).update(long).digest())).toBe(true);
    expect(hmac("short").equals(createHmac("sha256", key).update("short").digest())).toBe(true);
  });
});
