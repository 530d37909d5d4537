/**
 * PBS authentication tickets: `PBS:<authid>:<HEXTIME>::<signature>`, where the
 * signature is Ed25519 over `PBS:<authid>:<HEXTIME>`, base64 without padding.
 */
import { generateKeyPairSync, sign, verify } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { LRUCache } from "lru-cache";
import { parseAuthid } from "../core/ids.js";

/** Seconds a ticket stays valid after it was issued (two hours, as in PBS). */
export const TICKET_LIFETIME_S = 7200;
/** Seconds a ticket may be dated in the future, for clock skew between nodes. */
export const TICKET_MAX_SKEW_S = 300;

const TICKET_PREFIX = "PBS";
/**
 * "PBS:" + a 64-character authid + ":" + 8 hex digits + "::" + 86 base64 characters
 * is 164 characters; anything longer is refused before parsing or crypto.
 */
export const TICKET_MAX_LENGTH = 256;
const HEX_TIME = /^[0-9A-F]{8}$/;
/** An Ed25519 signature is 64 bytes: 86 base64 characters without padding. */
const SIGNATURE_BASE64 = /^[A-Za-z0-9+/]{86}$/;
const DEFAULT_CACHE_ENTRIES = 10_000;

export interface VerifiedTicket {
  authid: string;
  /** Unix seconds from the ticket's HEXTIME. */
  issuedAt: number;
}

export interface TicketKeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

function formatHexTime(timeS: number): string {
  if (!Number.isInteger(timeS) || timeS < 0 || timeS > 0xffffffff) {
    throw new RangeError(`ticket time must be an integer in 0..0xFFFFFFFF, got ${timeS}`);
  }
  return timeS.toString(16).toUpperCase().padStart(8, "0");
}

function requireEd25519(key: KeyObject, role: string): void {
  if (key.asymmetricKeyType !== "ed25519") {
    throw new TypeError(`the ticket ${role} must be an Ed25519 key, got ${String(key.asymmetricKeyType)}`);
  }
}

export function isWithinTicketWindow(issuedAt: number, nowS: number): boolean {
  const age = nowS - issuedAt;
  return age >= -TICKET_MAX_SKEW_S && age < TICKET_LIFETIME_S;
}

export function generateTicketKeyPair(): TicketKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519", {
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

export function createTicket(authid: string, privateKey: KeyObject, nowS: number): string {
  requireEd25519(privateKey, "private key");
  const signed = `${TICKET_PREFIX}:${authid}:${formatHexTime(nowS)}`;
  const signature = sign(null, Buffer.from(signed, "utf8"), privateKey).toString("base64").replace(/=+$/, "");
  return `${signed}::${signature}`;
}

/** `PBS:<authid>:<HEXTIME>::ticketinfo`: unsigned, so a script may read it for renewal timing. */
export function formatTicketInfo(authid: string, issuedAt: number): string {
  return `${TICKET_PREFIX}:${authid}:${formatHexTime(issuedAt)}::ticketinfo`;
}

interface ParsedTicket extends VerifiedTicket {
  signed: string;
  signature: Buffer;
}

function parseTicket(raw: string): ParsedTicket | null {
  if (raw.length > TICKET_MAX_LENGTH || !raw.startsWith(`${TICKET_PREFIX}:`)) return null;
  const separator = raw.indexOf("::");
  if (separator < 0) return null;
  const signed = raw.slice(0, separator);
  const encodedSignature = raw.slice(separator + 2);
  // Authids contain no ':', so exactly three fields remain: prefix, authid, time.
  const fields = signed.split(":");
  if (fields.length !== 3) return null;
  const [, authid = "", hexTime = ""] = fields;
  if (!HEX_TIME.test(hexTime) || !SIGNATURE_BASE64.test(encodedSignature)) return null;
  if (!parseAuthid(authid).ok) return null;
  const signature = Buffer.from(encodedSignature, "base64");
  // Only the canonical encoding is accepted, so one signature has one spelling.
  if (signature.toString("base64").replace(/=+$/, "") !== encodedSignature) return null;
  return { authid, issuedAt: Number.parseInt(hexTime, 16), signed, signature };
}

/** The ticket's authid and time when its signature and time window check out, else null. */
export function verifyTicket(raw: string, publicKey: KeyObject, nowS: number): VerifiedTicket | null {
  requireEd25519(publicKey, "public key");
  const parsed = parseTicket(raw);
  // The window is checked first: an expired ticket costs no signature check.
  if (parsed === null || !isWithinTicketWindow(parsed.issuedAt, nowS)) return null;
  let valid: boolean;
  try {
    valid = verify(null, Buffer.from(parsed.signed, "utf8"), publicKey, parsed.signature);
  } catch {
    return null;
  }
  return valid ? { authid: parsed.authid, issuedAt: parsed.issuedAt } : null;
}

export interface VerifiedTicketCacheOptions {
  publicKey: KeyObject;
  /** Bound on remembered tickets; the least recently used ones are dropped. Default 10000. */
  maxEntries?: number;
}

/**
 * Remembers tickets whose signature already verified, keyed by the full ticket
 * string, so a cookie request skips the Ed25519 verify (about 100 µs). A tampered
 * ticket is a different string and so never a hit, and the time window is checked
 * again on every hit, so an expired ticket is never served from the cache.
 */
export class VerifiedTicketCache {
  private readonly publicKey: KeyObject;
  private readonly verified: LRUCache<string, VerifiedTicket>;
  /** Lookups answered from the cache and lookups that had to verify, since creation (metrics). */
  hits = 0;
  misses = 0;

  constructor(opts: VerifiedTicketCacheOptions) {
    requireEd25519(opts.publicKey, "public key");
    const maxEntries = opts.maxEntries ?? DEFAULT_CACHE_ENTRIES;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`VerifiedTicketCache: maxEntries must be an integer >= 1, got ${maxEntries}`);
    }
    this.publicKey = opts.publicKey;
    this.verified = new LRUCache({ max: maxEntries });
  }

  verify(raw: string, nowS: number): VerifiedTicket | null {
    if (raw.length > TICKET_MAX_LENGTH) return null;
    const hit = this.verified.get(raw);
    if (hit !== undefined) {
      this.hits++;
      // Entries are frozen, so the hit itself can be handed out: no copy per request.
      if (isWithinTicketWindow(hit.issuedAt, nowS)) return hit;
      this.verified.delete(raw);
      return null;
    }
    this.misses++;
    const ticket = verifyTicket(raw, this.publicKey, nowS);
    if (ticket !== null) this.verified.set(raw, Object.freeze({ ...ticket }));
    return ticket;
  }

  get size(): number {
    return this.verified.size;
  }

  clear(): void {
    this.verified.clear();
  }
}
