import { X509Certificate, createPrivateKey } from "node:crypto";
import { mkdtempSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { StartupError } from "./errors.js";
import { loadOrCreateTlsCredentials, selfSignedDir } from "./tls.js";

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "gatehouse-tls-"));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe("loadOrCreateTlsCredentials", () => {
  test("the first start creates a certificate for localhost and loopback that matches its key", async () => {
    const created = await loadOrCreateTlsCredentials({ dataDir });
    expect(created.origin).toBe("self-signed (created)");
    const cert = new X509Certificate(created.cert);
    expect(cert.checkHost("localhost")).toBe("localhost");
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(cert.checkPrivateKey(createPrivateKey(created.key))).toBe(true);
    expect(statSync(join(selfSignedDir(dataDir), "key.pem")).mode & 0o077).toBe(0);
  });

  test("later starts reuse the same certificate", async () => {
    const first = await loadOrCreateTlsCredentials({ dataDir });
    const second = await loadOrCreateTlsCredentials({ dataDir });
    expect(second.origin).toBe("self-signed (reused)");
    expect(second.cert).toBe(first.cert);
    expect(second.key).toBe(first.key);
  });

  test("concurrent first starts agree on one pair", async () => {
    const results = await Promise.all([1, 2, 3].map(() => loadOrCreateTlsCredentials({ dataDir })));
    const stored = await loadOrCreateTlsCredentials({ dataDir });
    for (const result of results) expect(result.cert).toBe(stored.cert);
  });

  test("a half-deleted pair stops startup with a message saying how to fix it", async () => {
    mkdirSync(selfSignedDir(dataDir));
    writeFileSync(join(selfSignedDir(dataDir), "cert.pem"), "-----BEGIN CERTIFICATE-----\n");
    await expect(loadOrCreateTlsCredentials({ dataDir })).rejects.toThrow(/remove the directory/);
  });

  test("a supplied certificate is used as is, and a missing file names its variable", async () => {
    const generated = await loadOrCreateTlsCredentials({ dataDir });
    const certFile = join(dataDir, "mine.crt");
    const keyFile = join(dataDir, "mine.key");
    writeFileSync(certFile, generated.cert);
    writeFileSync(keyFile, generated.key);
    const supplied = await loadOrCreateTlsCredentials({ dataDir, supplied: { certFile, keyFile } });
    expect(supplied.origin).toBe("supplied");
    expect(supplied.cert).toBe(generated.cert);

    const missing = loadOrCreateTlsCredentials({ dataDir, supplied: { certFile, keyFile: join(dataDir, "nope.key") } });
    await expect(missing).rejects.toBeInstanceOf(StartupError);
    await expect(missing).rejects.toThrow(/GATEHOUSE_TLS_KEY_FILE: cannot read .*nope\.key \(ENOENT\)/);
  });
});
