/**
 * The response-level security rules of docs/design.md "Security", as assertions the
 * security suite applies to every response it sees: helmet's headers with the
 * strict CSP, and the exact shape of the ticket cookie.
 */
import { expect } from "vitest";
import type { ApiResponse } from "../test-support/https-client.js";
import { LEGACY_TICKET_COOKIE, TICKET_COOKIE } from "../cookies.js";

/** One year: ASVS 5.0 V3.4.1 asks for at least that, and for includeSubDomains from level 2. */
const MIN_HSTS_MAX_AGE_S = 31_536_000;
/** Text the browser decodes must name its charset (ASVS V4.1.1). */
const TEXT_CONTENT_TYPE = /^(text\/|application\/(json|javascript))/;
const STRICT_REFERRER_POLICIES = new Set(["no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"]);
const UNSAFE_SCRIPT_SOURCES = ["'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "data:", "*", "http:", "https:"];

/** Directive name -> its sources. */
export function parseCsp(header: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of header.split(";")) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name !== undefined && name !== "" && !directives.has(name.toLowerCase())) directives.set(name.toLowerCase(), sources);
  }
  return directives;
}

function headerOf(response: ApiResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

export function expectSecurityHeaders(response: ApiResponse, where: string): void {
  const csp = headerOf(response, "content-security-policy");
  expect(csp, `${where}: Content-Security-Policy`).toBeDefined();
  const directives = parseCsp(csp ?? "");
  // script-src falls back to default-src; whichever governs scripts must be strict.
  const scriptSources = directives.get("script-src") ?? directives.get("default-src");
  expect(scriptSources, `${where}: a script policy`).toBeDefined();
  for (const unsafe of UNSAFE_SCRIPT_SOURCES) expect(scriptSources, `${where}: script-src`).not.toContain(unsafe);
  expect(directives.get("object-src"), `${where}: object-src`).toEqual(["'none'"]);
  expect(directives.get("base-uri"), `${where}: base-uri`).toEqual(["'none'"]);
  expect(directives.get("frame-ancestors"), `${where}: frame-ancestors`).toEqual(["'none'"]);

  const hsts = headerOf(response, "strict-transport-security") ?? "";
  const maxAge = Number(/max-age=(\d+)/.exec(hsts)?.[1] ?? "0");
  expect(maxAge, `${where}: HSTS max-age`).toBeGreaterThanOrEqual(MIN_HSTS_MAX_AGE_S);
  expect(hsts, `${where}: HSTS includeSubDomains`).toMatch(/includeSubDomains/i);
  expect(headerOf(response, "x-content-type-options"), `${where}: nosniff`).toBe("nosniff");
  expect(STRICT_REFERRER_POLICIES.has(headerOf(response, "referrer-policy") ?? ""), `${where}: Referrer-Policy`).toBe(true);
  expect(headerOf(response, "x-powered-by"), `${where}: X-Powered-By`).toBeUndefined();
  const contentType = headerOf(response, "content-type") ?? "";
  if (TEXT_CONTENT_TYPE.test(contentType)) expect(contentType, `${where}: charset`).toMatch(/;\s*charset=/i);
  // A document must not share a browsing context group with cross-origin openers (ASVS V3.4.8).
  if (contentType.startsWith("text/html")) expect(headerOf(response, "cross-origin-opener-policy"), `${where}: COOP`).toBe("same-origin");
}

export interface ParsedSetCookie {
  name: string;
  value: string;
  /** Lower-case attribute name -> value ("" for a flag). */
  attributes: Map<string, string>;
}

export function parseSetCookie(header: string): ParsedSetCookie {
  const [pair = "", ...rest] = header.split(";");
  const equals = pair.indexOf("=");
  const attributes = new Map<string, string>();
  for (const attribute of rest) {
    const trimmed = attribute.trim();
    const at = trimmed.indexOf("=");
    if (at < 0) attributes.set(trimmed.toLowerCase(), "");
    else attributes.set(trimmed.slice(0, at).toLowerCase(), trimmed.slice(at + 1));
  }
  return { name: pair.slice(0, Math.max(0, equals)).trim(), value: pair.slice(equals + 1).trim(), attributes };
}

/**
 * Every cookie the server sets is the ticket cookie: `__Host-` prefixed, Secure,
 * HttpOnly, Path=/, SameSite, no Domain. A session cookie has no expiry; a
 * clearing one is empty and expired.
 */
export function expectTicketCookie(header: string, where: string): "session" | "cleared" {
  const cookie = parseSetCookie(header);
  // The legacy cookie is never set, only cleared (on logout, or when it was refused).
  expect(cookie.value === "" ? [TICKET_COOKIE, LEGACY_TICKET_COOKIE] : [TICKET_COOKIE], `${where}: cookie name`).toContain(cookie.name);
  expect(cookie.attributes.has("secure"), `${where}: Secure`).toBe(true);
  expect(cookie.attributes.has("httponly"), `${where}: HttpOnly`).toBe(true);
  expect(cookie.attributes.get("path"), `${where}: Path`).toBe("/");
  expect(cookie.attributes.has("domain"), `${where}: no Domain (required by __Host-)`).toBe(false);
  expect(["lax", "strict"], `${where}: SameSite`).toContain(cookie.attributes.get("samesite")?.toLowerCase());
  if (cookie.value === "") {
    expect(Date.parse(cookie.attributes.get("expires") ?? ""), `${where}: a cleared cookie is expired`).toBeLessThan(Date.now());
    return "cleared";
  }
  expect(cookie.attributes.has("expires") || cookie.attributes.has("max-age"), `${where}: a session cookie, no expiry`).toBe(false);
  return "session";
}
