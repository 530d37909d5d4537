/**
 * The file backend's key files: the Ed25519 ticket key pair (authkey.key,
 * authkey.pub) and the CSRF key (csrf.key), read and checked, or created once under
 * the store lock by the first process that finds them missing.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { join } from "node:path";
import { StoreCorruptError } from "../../core/errors.js";
import type { StoredKeys } from "../store.js";
import { readFileSnapshot, writeFileAtomic } from "./atomic-file.js";
import { PUBLIC_FILE_MODE, SECRET_FILE_MODE, STORE_FILES } from "./file-format.js";
import type { StoreLock } from "./store-lock.js";

const CSRF_KEY_BYTES = 32;

/** The stored keys, or null when any file is missing; a file that does not parse is corrupt. */
export async function readStoredKeys(dataDir: string): Promise<StoredKeys | null> {
  const privatePath = join(dataDir, STORE_FILES.ticketPrivateKey);
  const publicPath = join(dataDir, STORE_FILES.ticketPublicKey);
  const csrfPath = join(dataDir, STORE_FILES.csrfKey);
  const [privatePem, publicPem, csrf] = await Promise.all([
    readFileSnapshot(privatePath),
    readFileSnapshot(publicPath),
    readFileSnapshot(csrfPath),
  ]);
  if (!privatePem || !publicPem || !csrf) return null;
  const ticketPrivateKeyPem = privatePem.bytes.toString("utf8");
  const ticketPublicKeyPem = publicPem.bytes.toString("utf8");
  if (derivePublicKeyPem(ticketPrivateKeyPem, privatePath) !== normalizePem(ticketPublicKeyPem, publicPath)) {
    throw new StoreCorruptError(publicPath, "does not match authkey.key");
  }
  return { ticketPrivateKeyPem, ticketPublicKeyPem, csrfKeyBase64: parseCsrfKey(csrf.bytes, csrfPath) };
}

/**
 * Under the lock, re-checks and writes only what is missing: the first process
 * to get the lock creates the keys, every later one finds them.
 */
export async function createStoredKeysOnce(dataDir: string, lock: StoreLock): Promise<StoredKeys> {
  return lock.run(async (held) => {
    const privatePath = join(dataDir, STORE_FILES.ticketPrivateKey);
    const publicPath = join(dataDir, STORE_FILES.ticketPublicKey);
    const csrfPath = join(dataDir, STORE_FILES.csrfKey);
    const [privatePem, publicPem, csrf] = await Promise.all([
      readFileSnapshot(privatePath),
      readFileSnapshot(publicPath),
      readFileSnapshot(csrfPath),
    ]);

    let ticketPrivateKeyPem: string;
    let ticketPublicKeyPem: string;
    if (privatePem) {
      // A lone private key (the public half was deleted) keeps every issued ticket valid.
      ticketPrivateKeyPem = privatePem.bytes.toString("utf8");
      ticketPublicKeyPem = derivePublicKeyPem(ticketPrivateKeyPem, privatePath);
      if (publicPem && normalizePem(publicPem.bytes.toString("utf8"), publicPath) !== ticketPublicKeyPem) {
        throw new StoreCorruptError(publicPath, "does not match authkey.key");
      }
    } else {
      const pair = generateKeyPairSync("ed25519", {
        privateKeyEncoding: { type: "pkcs8", format: "pem" },
        publicKeyEncoding: { type: "spki", format: "pem" },
      });
      ticketPrivateKeyPem = pair.privateKey;
      ticketPublicKeyPem = pair.publicKey;
    }
    const csrfKeyBase64 = csrf ? parseCsrfKey(csrf.bytes, csrfPath) : randomBytes(CSRF_KEY_BYTES).toString("base64");

    held.assertHeld();
    if (!privatePem) await writeFileAtomic(privatePath, ticketPrivateKeyPem, { mode: SECRET_FILE_MODE });
    if (!privatePem || !publicPem) await writeFileAtomic(publicPath, ticketPublicKeyPem, { mode: PUBLIC_FILE_MODE });
    if (!csrf) await writeFileAtomic(csrfPath, `${csrfKeyBase64}\n`, { mode: SECRET_FILE_MODE });
    // An existing public file is returned as stored, so every process hands out identical strings.
    const storedPublicPem = publicPem ? publicPem.bytes.toString("utf8") : ticketPublicKeyPem;
    return { ticketPrivateKeyPem, ticketPublicKeyPem: storedPublicPem, csrfKeyBase64 };
  });
}

function derivePublicKeyPem(privatePem: string, location: string): string {
  let key;
  try {
    key = createPrivateKey(privatePem);
  } catch {
    throw new StoreCorruptError(location, "not a PEM private key");
  }
  if (key.asymmetricKeyType !== "ed25519") throw new StoreCorruptError(location, "not an Ed25519 key");
  return createPublicKey(key).export({ type: "spki", format: "pem" }).toString();
}

function normalizePem(publicPem: string, location: string): string {
  try {
    return createPublicKey(publicPem).export({ type: "spki", format: "pem" }).toString();
  } catch {
    throw new StoreCorruptError(location, "not a PEM public key");
  }
}

function parseCsrfKey(bytes: Buffer, location: string): string {
  const text = bytes.toString("utf8").trim();
  const decoded = Buffer.from(text, "base64");
  if (decoded.length !== CSRF_KEY_BYTES || decoded.toString("base64") !== text) {
    throw new StoreCorruptError(location, `expected base64 of ${CSRF_KEY_BYTES} bytes`);
  }
  return text;
}
