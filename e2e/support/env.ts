/**
 * Constants shared by the Playwright config and the suites. The data dir is made
 * once by the runner process and handed to workers through the environment, because
 * every worker evaluates the config again and must not wipe the running server's data.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const E2E_ROOT = join(REPO_ROOT, "e2e");

/**
 * The e2e server's port. E2E_PORT lets two checkouts on one machine run their suites
 * at once (a clean-clone CI beside a working tree); not GATEHOUSE_-prefixed, see below.
 */
export const PORT = Number(process.env.E2E_PORT ?? 8107);
export const BASE_URL = `https://127.0.0.1:${PORT}`;
/**
 * WebAuthn needs a host name: browsers refuse an IP address as the relying-party id.
 * The server is told this id and origin (playwright.config.ts), and the WebAuthn
 * suites open the console here instead of at BASE_URL.
 */
export const WEBAUTHN_RP_ID = "localhost";
export const WEBAUTHN_BASE_URL = `https://${WEBAUTHN_RP_ID}:${PORT}`;
export const ADMIN_USER = "admin";
export const ADMIN_USERID = "admin@pbs";
/** Test-only first-start password of admin@pbs; the data dir is thrown away after the run. */
export const ADMIN_PASSWORD = "e2e-Gatehouse-admin-pw-42";
export const ADMIN_STATE_FILE = join(E2E_ROOT, ".auth", "admin.json");
export const TICKET_COOKIE = "__Host-PBSAuthCookie";

// Not GATEHOUSE_-prefixed: the server warns about unknown variables of its own prefix.
const DATA_DIR_VARIABLE = "E2E_GATEHOUSE_DATA_DIR";

function prepareFreshDataDir(): string {
  const root = join(E2E_ROOT, ".data");
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  return mkdtempSync(join(root, "run-"));
}

export function resolveDataDir(): string {
  const existing = process.env[DATA_DIR_VARIABLE];
  if (existing !== undefined && existing !== "") return existing;
  const created = prepareFreshDataDir();
  process.env[DATA_DIR_VARIABLE] = created;
  return created;
}
