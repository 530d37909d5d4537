/**
 * The ticket cookies. Set-Cookie headers are written by hand so that the attributes
 * are exactly the ones PBS clients and the SPA expect, in a fixed order.
 */

/** The HttpOnly session cookie; `__Host-` makes browsers demand Secure, Path=/ and no Domain. */
export const TICKET_COOKIE = "__Host-PBSAuthCookie";
/** Set by script in older PBS web UIs; still accepted, never set. */
export const LEGACY_TICKET_COOKIE = "PBSAuthCookie";

const COOKIE_ATTRIBUTES = "Secure; HttpOnly; SameSite=Lax; Path=/";

/** Sent on logout and with every 401, so a rejected session does not linger in the browser. */
export const CLEAR_TICKET_COOKIE = `${TICKET_COOKIE}=; ${COOKIE_ATTRIBUTES}; Expires=Thu, 01 Jan 1970 00:00:00 GMT`;

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

/**
 * The cookie ticket that authenticates a request: the `__Host-` cookie wins over
 * the legacy one. An empty value (a cleared cookie some clients still send)
 * carries no credential and counts as absent.
 */
export function selectCookieTicket(tickets: CookieTickets): string | null {
  if (tickets.ticket !== null && tickets.ticket !== "") return tickets.ticket;
  if (tickets.legacyTicket !== null && tickets.legacyTicket !== "") return tickets.legacyTicket;
  return null;
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
