/**
 * The WebAuthn relying party of this server (GATEHOUSE_WEBAUTHN_RP_ID,
 * GATEHOUSE_WEBAUTHN_ORIGIN). Browsers refuse an IP address as a relying-party id,
 * so a server listening on a loopback or wildcard address defaults to `localhost`;
 * a server listening on a name uses that name. The origin defaults to
 * `https://<rp id>:<port>` (no port for 443). Behind a proxy or under another
 * name, set both.
 */
import { isIP } from "node:net";

export interface WebauthnConfig {
  rpId: string;
  origins: string[];
}

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** Null when `value` can be a relying-party id; else why not. */
export function checkRpId(value: string): string | null {
  if (isIP(value) !== 0) return "must be a host name, not an IP address (browsers refuse IP addresses for WebAuthn)";
  return HOST_NAME.test(value) ? null : "must be a host name such as backup.example.com";
}

/** Null when every comma-separated entry is an https origin (or http://localhost for development); else why not. */
export function checkOrigins(value: string): string | null {
  for (const entry of splitOrigins(value)) {
    if (!URL.canParse(entry)) return `'${entry}' is not a URL`;
    const url = new URL(entry);
    if (url.origin !== entry) return `'${entry}' must be an origin: scheme, host and port only, e.g. https://backup.example:8007`;
    if (url.protocol !== "https:" && url.hostname !== "localhost") return `'${entry}' must use https`;
  }
  return null;
}

export function splitOrigins(value: string): string[] {
  return value
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}

export function deriveWebauthnConfig(host: string, port: number, rpId: string | undefined, origin: string | undefined): WebauthnConfig {
  const id = rpId ?? (isIP(host) !== 0 || host === "localhost" ? "localhost" : host.toLowerCase());
  const origins = origin === undefined ? [`https://${id}${port === 443 ? "" : `:${port}`}`] : splitOrigins(origin);
  return { rpId: id, origins };
}
