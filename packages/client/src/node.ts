/**
 * Node's side of the client: a fetch over undici with extra CA certificates and,
 * optionally, a pinned certificate fingerprint (`--fingerprint` / `PBS_FINGERPRINT`
 * in proxmox-backup-client). Browsers use the plain client from the package root.
 */
import { rootCertificates } from "node:tls";
import { Agent, buildConnector, fetch as undiciFetch } from "undici";
import type { FetchLike } from "./client.js";
import { normalizeFingerprint, trustPinnedCertificate, type PinnedTrust } from "./tls-pinning.js";

export { normalizeFingerprint } from "./tls-pinning.js";

export interface NodeTransportOptions {
  /** PEM certificates to trust beside Node's CA roots, e.g. a private CA. */
  ca?: string | readonly string[];
  /**
   * The SHA-256 fingerprint of the server's certificate (`aa:bb:...` or bare hex).
   * With it a self-signed server is accepted, and any other certificate refused
   * with TlsFingerprintMismatchError, whoever signed it.
   */
  fingerprint?: string;
}

export interface NodeTransport {
  fetch: FetchLike;
  /** Closes the kept-alive connections, so a script can exit. */
  close(): Promise<void>;
}

export function createNodeTransport(options: NodeTransportOptions = {}): NodeTransport {
  const extraCa = options.ca === undefined ? [] : typeof options.ca === "string" ? [options.ca] : [...options.ca];
  let agent: Agent;
  if (options.fingerprint === undefined) {
    // Without extra CAs Node's defaults apply, NODE_EXTRA_CA_CERTS included.
    agent = extraCa.length === 0 ? new Agent() : new Agent({ connect: { ca: [...rootCertificates, ...extraCa] } });
  } else {
    const fingerprint = normalizeFingerprint(options.fingerprint);
    if (fingerprint === null) {
      throw new TypeError("fingerprint: expected a SHA-256 fingerprint, 64 hex digits (pairs may be separated by colons)");
    }
    agent = new Agent({ connect: createPinnedConnector(fingerprint, extraCa) });
  }
  return {
    fetch: (input, init) => undiciFetch(input, { ...init, dispatcher: agent }),
    close: () => agent.close(),
  };
}

/** An undici connector that learns and checks the pinned certificate once per origin. */
function createPinnedConnector(fingerprint: string, extraCa: readonly string[]): buildConnector.connector {
  const connectors = new Map<string, Promise<buildConnector.connector>>();
  return function connectPinned(options, callback) {
    const origin = `${options.hostname}:${options.port}`;
    let connector = connectors.get(origin);
    if (connector === undefined) {
      const port = Number(options.port) || 443;
      connector = trustPinnedCertificate({ host: options.hostname, port, ...serverName(options.servername) }, fingerprint, extraCa).then(
        (trust: PinnedTrust) =>
          buildConnector({
            ca: trust.ca,
            checkServerIdentity: trust.checkServerIdentity,
            // The pinned leaf may be signed by a CA nobody trusts; it is its own anchor.
            allowPartialTrustChain: true,
          }),
      );
      connectors.set(origin, connector);
      // A failed probe (mismatch, server down) is tried again on the next connection.
      connector.catch(() => connectors.delete(origin));
    }
    connector.then(
      (connect) => connect(options, callback),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), null),
    );
  };
}

function serverName(name: string | null | undefined): { servername?: string } {
  return name === null || name === undefined || name === "" ? {} : { servername: name };
}
