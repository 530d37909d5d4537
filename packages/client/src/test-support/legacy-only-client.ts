/**
 * How a legacy-only client logs in, after proxmoxer's PBS backend
 * (proxmoxer/backends/https.py): post the credentials, take `data.ticket` and
 * `data.CSRFPreventionToken` from the answer, and send the ticket back in the
 * `PBSAuthCookie` cookie. It knows nothing of the HttpOnly flow.
 */
import type { FetchLike } from "../client.js";

export class LegacyLoginError extends Error {
  override readonly name = "LegacyLoginError";
}

export interface LegacySession {
  cookie: string;
  csrf: string;
}

export async function logInLegacyOnly(fetchImpl: FetchLike, baseUrl: string, username: string, password: string): Promise<LegacySession> {
  const response = await fetchImpl(`${baseUrl}/api2/json/access/ticket`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username, password }).toString(),
  });
  const body = (await response.json()) as { data?: { ticket?: unknown; CSRFPreventionToken?: unknown } | null; message?: unknown };
  if (body.data === null || body.data === undefined) throw new LegacyLoginError(`couldn't authenticate user ${username}`);
  if (typeof body.data.ticket !== "string") {
    // proxmoxer fails here with KeyError('ticket'); the server's own words are all the user gets.
    throw new LegacyLoginError(`no ticket in the login answer${typeof body.message === "string" ? `: ${body.message}` : ""}`);
  }
  return { cookie: `PBSAuthCookie=${encodeURIComponent(body.data.ticket)}`, csrf: String(body.data.CSRFPreventionToken) };
}
