/**
 * TLS material: the user's certificate when configured, else a self-signed one made
 * once on first start in `<dataDir>/tls/` and reused afterwards (so browsers and
 * pinned clients keep trusting the same certificate across restarts).
 */
import { constants } from "node:fs";
import { mkdir, mkdtemp, open, readFile, rename, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { generate } from "selfsigned";
import { StartupError } from "./errors.js";

export interface TlsCredentials {
  cert: string;
  key: string;
  /** Where it came from, for the startup log. */
  origin: "supplied" | "self-signed (created)" | "self-signed (reused)";
  certPath: string;
}

export interface TlsOptions {
  dataDir: string;
  supplied?: { certFile: string; keyFile: string } | undefined;
}

const CERT_FILE = "cert.pem";
const KEY_FILE = "key.pem";
const VALIDITY_DAYS = 3650;

/** The directory that holds the generated certificate. */
export function selfSignedDir(dataDir: string): string {
  return join(dataDir, "tls");
}

/**
 * Returns the certificate and key to serve, creating the self-signed pair when none
 * exists. Safe to race: the pair is written into a private temporary directory
 * that is renamed into place, so a reader sees both files or neither, and a loser
 * of the race reads the winner's pair.
 */
export async function loadOrCreateTlsCredentials(options: TlsOptions): Promise<TlsCredentials> {
  if (options.supplied !== undefined) return readSuppliedCredentials(options.supplied);
  const dir = selfSignedDir(options.dataDir);
  const existing = await readSelfSigned(dir);
  if (existing !== null) return existing;
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const staging = await mkdtemp(join(options.dataDir, ".tls-staging-"));
  try {
    const pems = await generateSelfSigned();
    await writeDurably(join(staging, KEY_FILE), pems.key, 0o600);
    await writeDurably(join(staging, CERT_FILE), pems.cert, 0o644);
    try {
      await rename(staging, dir);
    } catch (error) {
      if (!isErrorCode(error, "ENOTEMPTY") && !isErrorCode(error, "EEXIST")) throw error;
      const winner = await readSelfSigned(dir);
      if (winner === null) throw incompleteDirError(dir);
      return winner;
    }
    await syncDirectory(options.dataDir);
    return { ...pems, origin: "self-signed (created)", certPath: join(dir, CERT_FILE) };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function readSuppliedCredentials(files: { certFile: string; keyFile: string }): Promise<TlsCredentials> {
  const cert = await readPem(files.certFile, "GATEHOUSE_TLS_CERT_FILE");
  const key = await readPem(files.keyFile, "GATEHOUSE_TLS_KEY_FILE");
  return { cert, key, origin: "supplied", certPath: files.certFile };
}

async function readPem(path: string, variable: string): Promise<string> {
  try {
    const pem = await readFile(path, "utf8");
    if (!pem.includes("-----BEGIN")) throw new StartupError(`${variable}: ${path} is not a PEM file`);
    return pem;
  } catch (error) {
    if (error instanceof StartupError) throw error;
    throw new StartupError(`${variable}: cannot read ${path} (${describeFsError(error)})`);
  }
}

/** The stored pair, null when the directory does not exist yet. */
async function readSelfSigned(dir: string): Promise<TlsCredentials | null> {
  const certPath = join(dir, CERT_FILE);
  const [cert, key] = await Promise.all([readOptional(certPath), readOptional(join(dir, KEY_FILE))]);
  if (cert !== null && key !== null) return { cert, key, origin: "self-signed (reused)", certPath };
  if (cert === null && key === null) return null;
  throw incompleteDirError(dir);
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if (isErrorCode(error, "ENOENT")) return null;
    throw new StartupError(`cannot read ${path} (${describeFsError(error)})`);
  }
}

function incompleteDirError(dir: string): StartupError {
  return new StartupError(`${dir} holds only one of ${CERT_FILE} and ${KEY_FILE}; remove the directory to generate a new pair`);
}

async function generateSelfSigned(): Promise<{ cert: string; key: string }> {
  const now = new Date();
  const names = [...new Set(["localhost", hostname()])].filter((name) => /^[A-Za-z0-9.-]{1,253}$/.test(name));
  const pems = await generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + VALIDITY_DAYS * 86_400_000),
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [...names.map((value) => ({ type: 2 as const, value })), { type: 7, ip: "127.0.0.1" }, { type: 7, ip: "::1" }],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

async function writeDurably(path: string, content: string, mode: number): Promise<void> {
  const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    await handle.writeFile(content, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isErrorCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}

function describeFsError(error: unknown): string {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" ? code : "unreadable";
}
