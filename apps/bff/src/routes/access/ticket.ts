/**
 * POST /access/ticket (login and renewal) and DELETE /access/ticket (logout).
 *
 * The legacy flow returns the ticket in the body for API clients. With
 * `http-only=true` the ticket goes only into an HttpOnly cookie and the body gets
 * an unsigned `ticket-info` for renewal timing, so no script can read the session.
 * With GATEHOUSE_LEGACY_TICKETS=off every login answers the HttpOnly way, the
 * future the PBS HttpOnly series prepares its client for (decision 025).
 */
import type { Request, Response } from "express";
import { z } from "zod";
import { PARTIAL_TICKET_MAX_LENGTH, type LoginSuccess, type SecondFactorRequired } from "@gatehouse/auth-core";
import {
  CLEAR_LEGACY_TICKET_COOKIE,
  CLEAR_TICKET_COOKIE,
  formatTicketCookie,
  markCookieRefused,
  selectHostCookieTicket,
  TICKET_COOKIE,
} from "../../cookies.js";
import { ApiError } from "../../errors.js";
import { readSource } from "../../middleware/authenticate.js";
import { readRequestId } from "../../middleware/request-logger.js";
import { formInteger, pbsBoolean, text } from "../../params.js";
import { defineRoute, type ApiRoute, type PublicRouteContext } from "../route.js";

export const LEGACY_FLOW_OFF_NOTICE =
  "this server no longer returns the ticket in the body (GATEHOUSE_LEGACY_TICKETS=off): it is only in the " +
  "__Host-PBSAuthCookie cookie; use a client that handles the HttpOnly flow, or an API token";

// Long enough for a ticket, which is accepted in place of a password for renewal.
const MAX_PASSWORD_OR_TICKET_LENGTH = 4096;

// PBS's console tickets start like this; Gatehouse issues none (see logIn).
const CONSOLE_TICKET_PREFIX = "PBSTERM:";

/**
 * proxmox-auth-api's CreateTicket. There is no `realm`: the username is the full
 * `user@realm`. `path`, `privs` and `port` only matter with a console ticket as
 * the password, and `tfa-challenge` only with a partial ticket from a first factor.
 */

/** The request id for the login's audit record, when the request logger gave one. */
function withRequestId(res: Response): { requestId?: string } {
  const requestId = readRequestId(res);
  return requestId === undefined ? {} : { requestId };
}

export const loginSchema = z.strictObject({
  username: text({ min: 1, max: 64 }),
  password: text({ max: MAX_PASSWORD_OR_TICKET_LENGTH }).optional(),
  "http-only": pbsBoolean().optional(),
  path: text({ min: 1, max: 128 }).optional(),
  privs: text({ min: 1, max: 64 }).optional(),
  port: formInteger({ min: 1, max: 65_535 }).optional(),
  "tfa-challenge": text({ min: 1, max: PARTIAL_TICKET_MAX_LENGTH }).optional(),
});

export const logoutSchema = z.strictObject({});

async function logIn({ input, accessControl, settings, req, res }: PublicRouteContext<z.output<typeof loginSchema>>) {
  const username = input.username;
  const source = readSource(req);
  const httpOnly = input["http-only"] ?? false;
  // authenticate_user in proxmox-auth-api: path+privs+port check a console ticket.
  // Gatehouse issues none (no console), so no such request can be valid: the same
  // 401 as any failure.
  const usesConsoleTicket =
    input.path !== undefined &&
    input.privs !== undefined &&
    input.port !== undefined &&
    input.password?.startsWith(CONSOLE_TICKET_PREFIX) === true;
  if (usesConsoleTicket) throw new ApiError("LOGIN_FAILED");

  // The second step: `tfa-challenge` is the partial ticket, `password` the answer
  // (`totp:...`, `recovery:...`, `webauthn:...`). A ticket cookie plays no part: in
  // PBS it is tried as the answer first and fails, then the body's is used.
  const challengeTicket = input["tfa-challenge"];
  if (challengeTicket !== undefined) {
    if (input.password === undefined) throw new ApiError("PARAMETER_INVALID", { errors: { password: "parameter is missing" } });
    // The second step sets the session cookie as a login does: the same login-CSRF guard.
    if ((httpOnly || !settings.legacyTickets) && isCrossSiteRequest(req)) throw new ApiError("LOGIN_CROSS_SITE");
    const completed = await accessControl.loginSecondFactor({ username, challengeTicket, response: input.password, source });
    if (completed === null) throw new ApiError("LOGIN_FAILED");
    return answerWithTicket(completed, httpOnly, settings.legacyTickets, res);
  }

  if (!httpOnly && input.password === undefined) {
    throw new ApiError("PARAMETER_INVALID", { errors: { password: "parameter is missing" } });
  }
  const setsCookie = httpOnly || !settings.legacyTickets;
  // A login that sets the session cookie from another site is login CSRF: the victim's
  // browser would be logged in as the attacker (issue 15, finding 9). Checked before any hash.
  if (setsCookie && isCrossSiteRequest(req)) throw new ApiError("LOGIN_CROSS_SITE");
  let login: LoginSuccess | SecondFactorRequired | null = null;
  // The SPA renews by posting without a password: its __Host- cookie is the credential.
  const cookieTicket = httpOnly ? selectHostCookieTicket(req.headers.cookie) : null;
  if (cookieTicket !== null) {
    login = await accessControl.login({ username, password: cookieTicket, source, ...withRequestId(res) });
  }
  if (login === null && input.password !== undefined) {
    login = await accessControl.login({ username, password: input.password, source, ...withRequestId(res) });
  }
  if (login === null) {
    if (cookieTicket !== null) markCookieRefused(req, TICKET_COOKIE);
    throw new ApiError("LOGIN_FAILED");
  }
  if ("secondFactorRequired" in login) return answerWithPartialTicket(login);
  return answerWithTicket(login, httpOnly, settings.legacyTickets, res);
}

/**
 * The first step of a user with second factors, in both flows alike (PBS's
 * `AuthResult::Partial`): the partial ticket in the body, no cookie, no
 * ticket-info, and the CSRF token "invalid". The partial ticket grants nothing but
 * the second step, so a script may see it.
 */
function answerWithPartialTicket(login: SecondFactorRequired) {
  return { data: { username: login.username, ticket: login.ticket, CSRFPreventionToken: login.CSRFPreventionToken } };
}

/** A full ticket: in the body for the legacy flow, else only in the HttpOnly cookie with ticket-info in the body. */
function answerWithTicket(login: LoginSuccess, httpOnly: boolean, legacyTickets: boolean, res: PublicRouteContext["res"]) {
  if (!httpOnly && legacyTickets) {
    return { data: { username: login.username, ticket: login.ticket, CSRFPreventionToken: login.CSRFPreventionToken } };
  }
  res.setHeader("Set-Cookie", formatTicketCookie(login.ticket));
  const data = { username: login.username, "ticket-info": login.ticketInfo, CSRFPreventionToken: login.CSRFPreventionToken };
  // A client that did not ask for this answer looks for a ticket that is not there; say why.
  return httpOnly ? { data } : { data, message: LEGACY_FLOW_OFF_NOTICE };
}

/**
 * Whether a browser sent `req` from another site. `Sec-Fetch-Site` decides when
 * present (only `same-origin` and `none`, a typed URL or bookmark, pass; `same-site`
 * is a sibling subdomain, which is exactly who must not log the console in). Older
 * browsers send `Origin` on a cross-origin POST, which must then be this server's.
 * A request with neither is not from a browser page: PBS API clients send neither.
 */
export function isCrossSiteRequest(req: Pick<Request, "headers">): boolean {
  const site = req.headers["sec-fetch-site"];
  if (typeof site === "string") return site !== "same-origin" && site !== "none";
  const origin = req.headers.origin;
  if (typeof origin !== "string") return false;
  return origin !== `https://${req.headers.host ?? ""}`;
}

export const ticketRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: "POST",
    path: "/access/ticket",
    summary: "log in with a password, or renew with a ticket",
    auth: "none",
    params: loginSchema,
    handle: logIn,
  }),
  defineRoute({
    method: "DELETE",
    path: "/access/ticket",
    summary: "log out: clear the ticket cookies",
    auth: "none",
    params: logoutSchema,
    handle({ res }) {
      // Both: a legacy cookie left behind would still authenticate API calls.
      res.setHeader("Set-Cookie", [CLEAR_TICKET_COOKIE, CLEAR_LEGACY_TICKET_COOKIE]);
      return { data: null };
    },
  }),
];
