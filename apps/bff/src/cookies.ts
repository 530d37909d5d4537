/**
 * The ticket cookies. Set-Cookie headers are written by hand so that the attributes
 * are exactly the ones PBS clients and the SPA expect, in a fixed order.
 *
 * Only `__Host-PBSAuthCookie` is ever set, and only it seeds the console's session
 * (spa.ts) and renews a console login. The legacy `PBSAuthCookie` has no `__Host-`
 * prefix, so a sibling subdomain could plant one; it is still accepted as the
 * credential of an API call, because PBS API clients (proxmoxer, PBS's own UI)
 * send the ticket under that name, and the `__Host-` cookie wins whenever both
 * are present (docs/SECURITY.md, V3.3.1).
 */
import type { Request } from "express";

/** The HttpOnly session cookie; `__Host-` makes browsers demand Secure, Path=/ and no Domain. */
export const TICKET_COOKIE = "__Host-PBSAuthCookie";
/** Set by script in PBS's web UI and sent by PBS API clients; accepted on API calls only, never set. */
export const LEGACY_TICKET_COOKIE = "PBSAuthCookie";

export type TicketCookieName = typeof TICKET_COOKIE | typeof LEGACY_TICKET_COOKIE;

const COOKIE_ATTRIBUTES = "Secure; HttpOnly; SameSite=Lax; Path=/";

const EXPIRED = "Expires=Thu, 01 Jan 1970 00:00:00 GMT";

/** Sent on logout, and with a 401 whose credential was this cookie, so a rejected session does not linger. */
export const CLEAR_TICKET_COOKIE = `${TICKET_COOKIE}=; ${COOKIE_ATTRIBUTES}; ${EXPIRED}`;
/** The same for the legacy cookie (host-only, Path=/: the one a PBS client or UI would have set here). */
export const CLEAR_LEGACY_TICKET_COOKIE = `${LEGACY_TICKET_COOKIE}=; ${COOKIE_ATTRIBUTES}; ${EXPIRED}`;

export function clearingCookieFor(name: TicketCookieName): string {
  return name === TICKET_COOKIE ? CLEAR_TICKET_COOKIE : CLEAR_LEGACY_TICKET_COOKIE;
}

// RFC 6265 cookie-octet, minus `%` so that encoding round-trips through decoding.
const COOKIE_OCTET = /[\x21\x23-\x24\x26-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]/;

/**
 * A session cookie (no Expires, no Max-Age) carrying the ticket. Characters a
 * cookie value may not hold (a userid may contain `;` or `,`) are percent-encoded;
 * an ordinary ticket is sent verbatim.
 */
export function formatTicketCookie(ticket: string): string {
  let value = "";
  for (const char of ticket) {
    value += COOKIE_OCTET.test(char) ? char : encodeURIComponent(char).replace(/[!'()*]/g, percentEncodeAscii);
  }
  return `${TICKET_COOKIE}=${value}; ${COOKIE_ATTRIBUTES}`;
}

function percentEncodeAscii(char: string): string {
  return `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
}

export interface CookieTickets {
  /** `__Host-PBSAuthCookie`, decoded. */
  ticket: string | null;
  /** `PBSAuthCookie`, decoded. */
  legacyTicket: string | null;
}

/**
 * Reads both ticket cookies from a Cookie header. The first occurrence of a name
 * wins (browsers send the most specific cookie first). A value that fails to
 * percent-decode is kept as sent: it still counts as a presented credential and
 * simply fails verification.
 */
export function readCookieTickets(header: string | undefined): CookieTickets {
  const found: CookieTickets = { ticket: null, legacyTicket: null };
  if (header === undefined) return found;
  for (const pair of header.split(";")) {
    const equals = pair.indexOf("=");
    if (equals < 0) continue;
    const name = pair.slice(0, equals).trim();
    if (name === TICKET_COOKIE && found.ticket === null) found.ticket = decodeCookieValue(pair.slice(equals + 1));
    else if (name === LEGACY_TICKET_COOKIE && found.legacyTicket === null) {
      found.legacyTicket = decodeCookieValue(pair.slice(equals + 1));
    }
  }
  return found;
}

export interface CookieTicket {
  value: string;
  cookie: TicketCookieName;
}

/**
 * The cookie ticket that authenticates an API call: the `__Host-` cookie wins over
 * the legacy one. An empty value (a cleared cookie some clients still send)
 * carries no credential and counts as absent.
 */
export function selectCookieTicket(tickets: CookieTickets): CookieTicket | null {
  if (tickets.ticket !== null && tickets.ticket !== "") return { value: tickets.ticket, cookie: TICKET_COOKIE };
  if (tickets.legacyTicket !== null && tickets.legacyTicket !== "") return { value: tickets.legacyTicket, cookie: LEGACY_TICKET_COOKIE };
  return null;
}

/** The `__Host-` ticket alone: what the console's session bootstrap and cookie renewal trust. */
export function selectHostCookieTicket(header: string | undefined): string | null {
  const ticket = readCookieTickets(header).ticket;
  return ticket === null || ticket === "" ? null : ticket;
}

/** Where a request records that its cookie ticket was refused: a private symbol on the request. */
const FAILED_COOKIE = Symbol("gatehouse.failedCookie");

interface RequestWithFailedCookie extends Request {
  [FAILED_COOKIE]?: TicketCookieName;
}

/**
 * Records that `cookie` was the credential of `req` and was refused. Only then does
 * a 401 clear it: a 401 for a bad CSRF token, a wrong API token or no credential
 * must not log a browser out (issue 15, finding 9).
 */
export function markCookieRefused(req: Request, cookie: TicketCookieName): void {
  (req as RequestWithFailedCookie)[FAILED_COOKIE] = cookie;
}

export function readRefusedCookie(req: Request): TicketCookieName | undefined {
  return (req as RequestWithFailedCookie)[FAILED_COOKIE];
}

function decodeCookieValue(raw: string): string {
  let value = raw.trim();
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
