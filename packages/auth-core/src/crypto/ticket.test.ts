import type * as NodeCrypto from "node:crypto";
import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("node:crypto", async (importOriginal) => {
  const original = await importOriginal<typeof NodeCrypto>();
  return { ...original, verify: vi.fn(original.verify) };
});

const { createPrivateKey, createPublicKey, generateKeyPairSync, verify: cryptoVerify } = await import("node:crypto");
const { createTicket, formatTicketInfo, generateTicketKeyPair, TICKET_LIFETIME_S, TICKET_MAX_SKEW_S, VerifiedTicketCache, verifyTicket } =
  await import("./ticket.js");

const pair = generateTicketKeyPair();
const privateKey = createPrivateKey(pair.privateKeyPem);
const publicKey = createPublicKey(pair.publicKeyPem);
const otherPublicKey = createPublicKey(generateTicketKeyPair().publicKeyPem);

const T0 = Date.UTC(2026, 0, 1) / 1000;
const T0_HEX = T0.toString(16).toUpperCase();

/** Replaces one character of `s` at `index` with a different one from the same alphabet. */
function flipCharAt(s: string, index: number): string {
  const c = s[index];
  return s.slice(0, index) + (c === "A" ? "B" : "A") + s.slice(index + 1);
}

beforeEach(() => {
  vi.mocked(cryptoVerify).mockClear();
});

describe("createTicket", () => {
  it("has the PBS layout with an 8-digit upper-case hex time and an unpadded base64 signature", () => {
    const ticket = createTicket("alice@pbs", privateKey, T0);
    expect(ticket).toMatch(new RegExp(`^PBS:alice@pbs:${T0_HEX}::[A-Za-z0-9+/]{86}$`));
    expect(createTicket("alice@pbs", privateKey, 0xab)).toMatch(/^PBS:alice@pbs:000000AB::/);
  });

  it("signs exactly PBS:<authid>:<HEXTIME> with Ed25519", () => {
    const ticket = createTicket("alice@pbs", privateKey, T0);
    const [signed = "", signature = ""] = ticket.split("::");
    expect(signed).toBe(`PBS:alice@pbs:${T0_HEX}`);
    expect(cryptoVerify(null, Buffer.from(signed), publicKey, Buffer.from(signature, "base64"))).toBe(true);
  });

  it("refuses a time that does not fit the 8 hex digits and a key that is not Ed25519", () => {
    expect(() => createTicket("alice@pbs", privateKey, -1)).toThrow(RangeError);
    expect(() => createTicket("alice@pbs", privateKey, 2 ** 32)).toThrow(RangeError);
    expect(() => createTicket("alice@pbs", privateKey, 1.5)).toThrow(RangeError);
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey;
    expect(() => createTicket("alice@pbs", rsa, T0)).toThrow(TypeError);
  });
});

describe("verifyTicket", () => {
  const ticket = createTicket("alice@pbs", privateKey, T0);

  it("round-trips the authid and issue time", () => {
    expect(verifyTicket(ticket, publicKey, T0)).toEqual({ authid: "alice@pbs", issuedAt: T0 });
  });

  it("round-trips a token authid and a unicode user name", () => {
    for (const authid of ["alice@pbs!ci", "jürgen@pbs"]) {
      expect(verifyTicket(createTicket(authid, privateKey, T0), publicKey, T0)).toEqual({ authid, issuedAt: T0 });
    }
  });

  it("accepts the window edges and refuses one second past each", () => {
    expect(verifyTicket(ticket, publicKey, T0 - TICKET_MAX_SKEW_S)).not.toBeNull();
    expect(verifyTicket(ticket, publicKey, T0 - TICKET_MAX_SKEW_S - 1)).toBeNull();
    expect(verifyTicket(ticket, publicKey, T0 + TICKET_LIFETIME_S - 1)).not.toBeNull();
    expect(verifyTicket(ticket, publicKey, T0 + TICKET_LIFETIME_S)).toBeNull();
  });

  it("refuses an expired ticket without checking its signature", () => {
    expect(verifyTicket(ticket, publicKey, T0 + 10 * TICKET_LIFETIME_S)).toBeNull();
    expect(cryptoVerify).not.toHaveBeenCalled();
  });

  it("refuses a tampered signature", () => {
    const signatureStart = ticket.indexOf("::") + 2;
    expect(verifyTicket(flipCharAt(ticket, signatureStart + 10), publicKey, T0)).toBeNull();
  });

  it("refuses a tampered authid", () => {
    expect(verifyTicket(ticket.replace("alice@pbs", "alicf@pbs"), publicKey, T0)).toBeNull();
    expect(verifyTicket(ticket.replace("alice@pbs", "alice@pbs!ci"), publicKey, T0)).toBeNull();
  });

  it("refuses a tampered time", () => {
    const later = (T0 + 60).toString(16).toUpperCase();
    expect(verifyTicket(ticket.replace(T0_HEX, later), publicKey, T0 + 60)).toBeNull();
    expect(verifyTicket(ticket.replace(T0_HEX, T0_HEX.toLowerCase()), publicKey, T0)).toBeNull();
  });

  it("refuses a ticket signed with another key", () => {
    expect(verifyTicket(ticket, otherPublicKey, T0)).toBeNull();
  });

  it("refuses a non-canonical spelling of the signature", () => {
    // 86 base64 characters carry 516 bits for 512: the last one's low bits must be zero.
    const last = ticket.at(-1) ?? "";
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const sibling = alphabet[alphabet.indexOf(last) ^ 1] ?? "";
    expect(verifyTicket(ticket.slice(0, -1) + sibling, publicKey, T0)).toBeNull();
  });

  it("returns null for garbage without throwing", () => {
    const signature = ticket.slice(ticket.indexOf("::") + 2);
    for (const raw of [
      "",
      "PBS",
      "PBS:",
      "PBS:alice@pbs",
      `PBS:alice@pbs:${T0_HEX}`,
      `PBS:alice@pbs:${T0_HEX}::`,
      `PBS:alice@pbs:${T0_HEX}::ticketinfo`,
      `PVE:alice@pbs:${T0_HEX}::${signature}`,
      `PBS:alice@pbs:${T0_HEX}:x:${signature}`,
      `PBS:alice@pbs:extra:${T0_HEX}::${signature}`,
      `PBS::${T0_HEX}::${signature}`,
      `PBS:not an authid:${T0_HEX}::${signature}`,
      `PBS:alice@pbs:${T0_HEX.slice(1)}::${signature}`,
      `PBS:alice@pbs:${T0_HEX}::${signature}==`,
      `PBS:alice@pbs:${T0_HEX}::${signature.slice(1)}`,
      `PBS:alice@pbs:${T0_HEX}::${"-".repeat(86)}`,
      `${ticket}\n`,
      ` ${ticket}`,
      "PBS:".padEnd(100_000, "A"),
      formatTicketInfo("alice@pbs", T0),
    ]) {
      expect(verifyTicket(raw, publicKey, T0), raw.slice(0, 80)).toBeNull();
    }
  });

  it("refuses an oversized input before any crypto", () => {
    expect(verifyTicket(`${ticket}${"A".repeat(300)}`, publicKey, T0)).toBeNull();
    expect(cryptoVerify).not.toHaveBeenCalled();
  });
});

describe("formatTicketInfo", () => {
  it("has the ticket layout with ticketinfo in place of the signature", () => {
    expect(formatTicketInfo("alice@pbs", T0)).toBe(`PBS:alice@pbs:${T0_HEX}::ticketinfo`);
  });
});

describe("generateTicketKeyPair", () => {
  it("returns an Ed25519 key pair in PEM", () => {
    expect(pair.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(pair.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(privateKey.asymmetricKeyType).toBe("ed25519");
    expect(publicKey.asymmetricKeyType).toBe("ed25519");
  });
});

describe("VerifiedTicketCache", () => {
  const ticket = createTicket("alice@pbs", privateKey, T0);

  it("verifies a ticket once and then answers from the cache", () => {
    const cache = new VerifiedTicketCache({ publicKey });
    expect(cache.verify(ticket, T0)).toEqual({ authid: "alice@pbs", issuedAt: T0 });
    expect(cache.verify(ticket, T0 + 1)).toEqual({ authid: "alice@pbs", issuedAt: T0 });
    expect(cryptoVerify).toHaveBeenCalledTimes(1);
  });

  it("still refuses a cached ticket once it has expired", () => {
    const cache = new VerifiedTicketCache({ publicKey });
    expect(cache.verify(ticket, T0)).not.toBeNull();
    expect(cache.verify(ticket, T0 + TICKET_LIFETIME_S - 1)).not.toBeNull();
    expect(cache.verify(ticket, T0 + TICKET_LIFETIME_S)).toBeNull();
    expect(cache.size).toBe(0);
    expect(cryptoVerify).toHaveBeenCalledTimes(1);
  });

  it("refuses a cached ticket when the clock is set back past the skew", () => {
    const cache = new VerifiedTicketCache({ publicKey });
    expect(cache.verify(ticket, T0)).not.toBeNull();
    expect(cache.verify(ticket, T0 - TICKET_MAX_SKEW_S - 1)).toBeNull();
  });

  it("never treats a tampered ticket as a hit", () => {
    const cache = new VerifiedTicketCache({ publicKey });
    expect(cache.verify(ticket, T0)).not.toBeNull();
    const signatureStart = ticket.indexOf("::") + 2;
    expect(cache.verify(flipCharAt(ticket, signatureStart + 3), T0)).toBeNull();
    expect(cache.verify(ticket.replace("alice@pbs", "alicf@pbs"), T0)).toBeNull();
    expect(cryptoVerify).toHaveBeenCalledTimes(3);
  });

  it("does not remember failed tickets", () => {
    const cache = new VerifiedTicketCache({ publicKey: otherPublicKey });
    expect(cache.verify(ticket, T0)).toBeNull();
    expect(cache.verify(ticket, T0)).toBeNull();
    expect(cache.size).toBe(0);
    expect(cryptoVerify).toHaveBeenCalledTimes(2);
  });

  it("holds at most maxEntries tickets, dropping the least recently used", () => {
    const cache = new VerifiedTicketCache({ publicKey, maxEntries: 2 });
    const [a = "", b = "", c = ""] = [T0, T0 + 1, T0 + 2].map((t) => createTicket("alice@pbs", privateKey, t));
    cache.verify(a, T0 + 2);
    cache.verify(b, T0 + 2);
    cache.verify(a, T0 + 2);
    cache.verify(c, T0 + 2);
    expect(cache.size).toBe(2);
    vi.mocked(cryptoVerify).mockClear();
    cache.verify(a, T0 + 2);
    cache.verify(c, T0 + 2);
    expect(cryptoVerify).not.toHaveBeenCalled();
    cache.verify(b, T0 + 2);
    expect(cryptoVerify).toHaveBeenCalledTimes(1);
  });

  it("verifies again after clear", () => {
    const cache = new VerifiedTicketCache({ publicKey });
    cache.verify(ticket, T0);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.verify(ticket, T0)).not.toBeNull();
    expect(cryptoVerify).toHaveBeenCalledTimes(2);
  });

  it("does not let a caller change what the cache remembers", () => {
    const cache = new VerifiedTicketCache({ publicKey });
    const first = cache.verify(ticket, T0);
    if (first !== null) first.authid = "root@pam";
    expect(cache.verify(ticket, T0)).toEqual({ authid: "alice@pbs", issuedAt: T0 });
  });

  it("validates its options", () => {
    expect(() => new VerifiedTicketCache({ publicKey, maxEntries: 0 })).toThrow(RangeError);
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey;
    expect(() => new VerifiedTicketCache({ publicKey: rsa })).toThrow(TypeError);
  });
});
