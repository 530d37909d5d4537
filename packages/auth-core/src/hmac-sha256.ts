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

export type HmacSha256 = (message: string) => Buffer;

/**
 * Returns a function computing HMAC-SHA256 of a UTF-8 message under `key`. The
 * caller's key buffer is not kept: only the padded blocks derived from it, in
 * Buffers outside the JS heap.
 */
export function createHmacSha256(key: Uint8Array): HmacSha256 {
  if (key.length === 0 || key.length > BLOCK_BYTES) {
    throw new RangeError(`createHmacSha256: the key must be 1 to ${BLOCK_BYTES} bytes, got ${key.length}`);
  }
  const innerBlock = Buffer.alloc(BLOCK_BYTES, INNER_PAD);
  const outerInput = Buffer.alloc(BLOCK_BYTES + DIGEST_BYTES);
  outerInput.fill(OUTER_PAD, 0, BLOCK_BYTES);
  for (let i = 0; i < key.length; i++) {
    innerBlock[i] = (innerBlock[i] ?? 0) ^ (key[i] ?? 0);
    outerInput[i] = (outerInput[i] ?? 0) ^ (key[i] ?? 0);
  }
  return function computeHmacSha256(message: string): Buffer {
    const messageLength = Buffer.byteLength(message, "utf8");
    const innerInput = Buffer.allocUnsafe(BLOCK_BYTES + messageLength);
    innerBlock.copy(innerInput, 0);
    innerInput.write(message, BLOCK_BYTES, "utf8");
    const inner = hash("sha256", innerInput, "buffer");
    // The message may be a secret: leave no copy of it in the Buffer pool.
    innerInput.fill(0);
    // The outer block is shared: the digest is written into its tail just before each use.
    inner.copy(outerInput, BLOCK_BYTES);
    return hash("sha256", outerInput, "buffer");
  };
}
