/**
 * TLS certificate pinning by SHA-256 fingerprint, as `proxmox-backup-client
 * --fingerprint` and `PBS_FINGERPRINT` do, without ever switching verification off
 * (decision 024).
 *
 * Node verifies the chain only after the handshake and then drops a connection it
 * does not trust; it has no hook to accept a self-signed certificate by its
 * fingerprint. So a pinned connection is made in two steps:
 *
 * 1. A probe handshake learns the server's leaf certificate. The probe verifies as
 *    usual and is never used: no byte of a request goes over it.
 * 2. If the leaf's fingerprint is the pinned one, the real connections trust exactly
 *    that certificate (beside the usual CAs) and compare the fingerprint again in
 *    `checkServerIdentity`. A server that presents another certificate, or cannot
 *    prove it holds the pinned certificate's key, is refused.
 */
import { X509Certificate } from "node:crypto";
import { connect as connectTls, rootCertificates, type PeerCertificate } from "node:tls";
import { TlsFingerprintMismatchError } from "./errors.js";

const SHA256_HEX_DIGITS = 64;
const PROBE_TIMEOUT_MS = 10_000;

/**
 * The canonical form of a SHA-256 fingerprint: lower-case hex pairs joined by
 * colons, as proxmox-backup-client prints it. Accepts that form, upper case, and
 * bare hex; returns null for anything else.
 */
export function normalizeFingerprint(raw: string): string | null {
  const hex = raw.trim().toLowerCase().replace(/:/g, "");
  if (hex.length !== SHA256_HEX_DIGITS || !/^[0-9a-f]+$/.test(hex)) return null;
  return hex.match(/../g)!.join(":");
}

/** The SHA-256 fingerprint of a DER certificate, in the canonical form. */
export function fingerprintOf(der: Buffer): string {
  return new X509Certificate(der).fingerprint256.toLowerCase();
}

export interface PinnedTrust {
  /** CA certificates for the connection: Node's roots plus the pinned leaf. */
  ca: string[];
  /** Refuses any certificate but the pinned one; the pin replaces the host name check. */
  checkServerIdentity: (host: string, cert: PeerCertificate) => Error | undefined;
}

/**
 * Learns the certificate of `host:port` and returns the trust settings for it, or
 * throws TlsFingerprintMismatchError when it is not the pinned one.
 */
export async function trustPinnedCertificate(
  target: { host: string; port: number; servername?: string },
  fingerprint: string,
  extraCa: readonly string[] = [],
): Promise<PinnedTrust> {
  const leaf = await probeLeafCertificate(target);
  const actual = fingerprintOf(leaf.raw);
  const where = `${target.host}:${target.port}`;
  if (actual !== fingerprint) throw new TlsFingerprintMismatchError(where, fingerprint, actual);
  return {
    ca: [...rootCertificates, ...extraCa, leaf.toString()],
    checkServerIdentity(_host, cert) {
      const seen = fingerprintOf(cert.raw);
      return seen === fingerprint ? undefined : new TlsFingerprintMismatchError(where, fingerprint, seen);
    },
  };
}

/**
 * One handshake to read the server's leaf certificate. Node exposes the peer
 * certificate while the handshake is still running (its key-log lines are emitted
 * then), before it judges the chain; that is the only moment it can be read from a
 * server this process does not trust yet. The socket is closed right after.
 */
function probeLeafCertificate(target: { host: string; port: number; servername?: string }): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host: target.host, port: target.port, servername: target.servername ?? serverNameFor(target.host) });
    let leaf: X509Certificate | undefined;
    const finish = (error: Error | null) => {
      clearTimeout(timer);
      socket.destroy();
      if (leaf !== undefined) resolve(leaf);
      else reject(error ?? new Error(`no certificate from ${target.host}:${target.port}`));
    };
    const timer = setTimeout(() => finish(new Error(`TLS handshake with ${target.host}:${target.port} timed out`)), PROBE_TIMEOUT_MS);
    socket.on("keylog", () => {
      leaf ??= socket.getPeerX509Certificate();
    });
    socket.once("secureConnect", () => {
      leaf ??= socket.getPeerX509Certificate();
      finish(null);
    });
    // The expected end for a self-signed server: Node refuses the chain after the handshake.
    socket.once("error", (error: Error) => finish(error));
  });
}

/** SNI takes host names only, never IP addresses. */
function serverNameFor(host: string): string | undefined {
  return /^[\d.]+$|:/.test(host) ? undefined : host;
}
