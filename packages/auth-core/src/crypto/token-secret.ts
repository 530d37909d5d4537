/**
 * API token secrets: random UUIDs, as PBS issues them. Checking the shape first
 * lets a request with a malformed secret be refused without paying for argon2.
 */
import { randomUUID } from "node:crypto";

const TOKEN_SECRET_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A fresh secret: a random (v4) UUID in lowercase, 122 bits of entropy. */
export function generateTokenSecret(): string {
  return randomUUID().toLowerCase();
}

/**
 * Any lowercase UUID is accepted, not only v4, so secrets imported from another
 * PBS-compatible store still verify.
 */
export function isWellFormedTokenSecret(s: string): boolean {
  return TOKEN_SECRET_SHAPE.test(s);
}
