/**
 * HMAC-SHA256 (RFC 2104) with a fixed key, built on the one-shot `crypto.hash`.
 * `createHmac` sets up a fresh OpenSSL MAC context for every call; on the cached
 * token path that setup, run with cold caches between requests, was the largest
 * single cost of a request in the server profile. The one-shot digest keeps its
 * algorithm looked up, and the key's two padded blocks are derived once.
 */
import { hash } from "node:crypto";

/** SHA-256 processes 64-byte blocks; a key of at most one block is used as it is, zero-padded. */
const BLOCK_BYTES = 64;
const DIGEST_BYTES = 32;
const INNER_PAD = 0x36;
const OUTER_PAD = 0x5c;
/** Room for an authid (at most 256 UTF-8 bytes), a separator and a UUID secret, with margin. */
const SCRATCH_MESSAGE_BYTES = 1024;

export type HmacSha256 = (message: string) => Buffer;

/**
 * Returns a function computing HMAC-SHA256 of a UTF-8 message under `key`. The
 * caller's key buffer is not kept: only the padded blocks derived from it, in
 * Buffers outside the JS heap. Not reentrant, and need not be: it is synchronous.
 */
export function createHmacSha256(key: Uint8Array): HmacSha256 {
  if (key.length === 0 || key.length > BLOCK_BYTES) {
    throw new RangeError(`createHmacSha256: the key must be 1 to ${BLOCK_BYTES} bytes, got ${key.length}`);
  }
  // [inner key block | message]: the block is written once, messages after it on each call.
  const innerInput = Buffer.alloc(BLOCK_BYTES + SCRATCH_MESSAGE_BYTES, INNER_PAD);
  // [outer key block | inner digest]
  const outerInput = Buffer.alloc(BLOCK_BYTES + DIGEST_BYTES, OUTER_PAD);
  for (let i = 0; i < key.length; i++) {
    innerInput[i] = (innerInput[i] ?? 0) ^ (key[i] ?? 0);
    outerInput[i] = (outerInput[i] ?? 0) ^ (key[i] ?? 0);
  }
  innerInput.fill(0, BLOCK_BYTES);
  return function computeHmacSha256(message: string): Buffer {
    const messageBytes = Buffer.byteLength(message, "utf8");
    let inner: string;
    if (messageBytes <= SCRATCH_MESSAGE_BYTES) {
      innerInput.write(message, BLOCK_BYTES, "utf8");
      // Digests come back as latin1 ("binary") strings: a Buffer made in C++ per call costs more than the hash.
      inner = hash("sha256", innerInput.subarray(0, BLOCK_BYTES + messageBytes), "binary");
      // The message may be a secret: no copy of it stays behind.
      innerInput.fill(0, BLOCK_BYTES, BLOCK_BYTES + messageBytes);
    } else {
      const long = Buffer.alloc(BLOCK_BYTES + messageBytes);
      innerInput.copy(long, 0, 0, BLOCK_BYTES);
      long.write(message, BLOCK_BYTES, "utf8");
      inner = hash("sha256", long, "binary");
      long.fill(0);
    }
    outerInput.write(inner, BLOCK_BYTES, "latin1");
    return Buffer.from(hash("sha256", outerInput, "binary"), "latin1");
  };
}
