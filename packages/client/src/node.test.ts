/**
 * Certificate pinning against the real server's self-signed certificate, as
 * `proxmox-backup-client --fingerprint` does it (pbs-client/src/http_client.rs,
 * verify_callback): the pinned fingerprint admits a certificate no CA vouches for,
 * and any other fingerprint is refused with a message that shows both.
 */
import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestServer, TEST_ADMIN, TEST_ADMIN_PASSWORD, type TestServer } from "@gatehouse/bff/test-support/test-server";
import { GatehouseClient } from "./client.js";
import { GatehouseConnectionError, TlsFingerprintMismatchError } from "./errors.js";
import { createNodeTransport, normalizeFingerprint, type NodeTransport } from "./node.js";

const WRONG_FINGERPRINT = "ab:".repeat(31) + "ab";

let server: TestServer;
let fingerprint: string;
const transports: NodeTransport[] = [];

beforeAll(async () => {
  server = await startTestServer();
  fingerprint = new X509Certificate(server.certPem).fingerprint256;
});

afterAll(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await server?.stop();
});

function clientWith(options: Parameters<typeof createNodeTransport>[0]) {
  const transport = createNodeTransport(options);
  transports.push(transport);
  return new GatehouseClient({
    baseUrl: server.baseUrl,
    auth: { username: TEST_ADMIN, password: TEST_ADMIN_PASSWORD },
    fetch: transport.fetch,
  });
}

describe("normalizeFingerprint", () => {
  test("accepts the colon form in any case and bare hex, and refuses anything else", () => {
    const canonical = "0a:".repeat(31) + "0a";
    expect(normalizeFingerprint(canonical.toUpperCase())).toBe(canonical);
    expect(normalizeFingerprint("0a".repeat(32))).toBe(canonical);
    expect(normalizeFingerprint("0a".repeat(31))).toBeNull();
    expect(normalizeFingerprint("zz".repeat(32))).toBeNull();
  });

  test("a malformed fingerprint is refused before any connection", () => {
    expect(() => createNodeTransport({ fingerprint: "sha256:nope" })).toThrow(/64 hex digits/);
  });
});

describe("fingerprint pinning", () => {
  test("without a CA or a pin, the self-signed server is refused by the normal CA check", async () => {
    const error = (await clientWith({})
      .version()
      .catch((e: unknown) => e)) as GatehouseConnectionError;
    expect(error).toBeInstanceOf(GatehouseConnectionError);
    expect(error.message).toContain("self-signed certificate");
  });

  test("the pinned fingerprint admits the self-signed server, in the form proxmox-backup-client prints", async () => {
    const client = clientWith({ fingerprint: fingerprint.toLowerCase() });
    expect((await client.version()).repoid).toBe("gatehouse");
    await client.createUser({ userid: "pinned@pbs" });
  });

  test("a wrong fingerprint is refused with both fingerprints in the message", async () => {
    const error = (await clientWith({ fingerprint: WRONG_FINGERPRINT })
      .version()
      .catch((e: unknown) => e)) as TlsFingerprintMismatchError;
    expect(error).toBeInstanceOf(TlsFingerprintMismatchError);
    expect(error.expected).toBe(WRONG_FINGERPRINT);
    expect(error.actual).toBe(fingerprint.toLowerCase());
    expect(error.message).toMatch(
      /^refusing to connect to 127\.0\.0\.1:\d+: its TLS certificate fingerprint .* does not match the pinned fingerprint ab:ab/,
    );
  });

  test("a pin is a pin: a wrong fingerprint is refused even when a trusted CA vouches for the certificate", async () => {
    const error = await clientWith({ ca: server.certPem, fingerprint: WRONG_FINGERPRINT })
      .version()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TlsFingerprintMismatchError);
  });

  test("with the server's certificate as a CA, no pin is needed", async () => {
    expect((await clientWith({ ca: server.certPem }).version()).repoid).toBe("gatehouse");
  });
});
