/**
 * POST /access/ticket (login and renewal) and DELETE /access/ticket (logout).
 *
 * The legacy flow returns the ticket in the body for API clients. With
 * `http-only=true` the ticket goes only into an HttpOnly cookie and the body gets
 * an unsigned `ticket-info` for renewal timing, so no script can read the session.
 * With GATEHOUSE_LEGACY_TICKETS=off every login answers the HttpOnly way, the
 * future the PBS HttpOnly series prepares its client for (decision 025).
 */
import { z } from "zod";
import type { LoginSuccess } from "@gatehouse/auth-core";
import { CLEAR_TICKET_COOKIE, formatTicketCookie, readCookieTickets } from "../../cookies.js";
import { ApiError } from "../../errors.js";
import { readSource } from "../../middleware/authenticate.js";
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
export const loginSchema = z.strictObject({
  username: text({ min: 1, max: 64 }),
  password: text({ max: MAX_PASSWORD_OR_TICKET_LENGTH }).optional(),
  "http-only": pbsBoolean().optional(),
  path: text({ min: 1, max: 128 }).optional(),
  privs: text({ min: 1, max: 64 }).optional(),
  port: formInteger({ min: 1, max: 65_535 }).optional(),
  "tfa-challenge": text({ min: 1, max: MAX_PASSWORD_OR_TICKET_LENGTH }).optional(),
});

export const logoutSchema = z.strictObject({});

async function logIn({ input, accessControl, settings, req, res }: PublicRouteContext<z.output<typeof loginSchema>>) {
  const username = input.username;
  const source = readSource(req);
  const httpOnly = input["http-only"] ?? false;
  // authenticate_user in proxmox-auth-api: a tfa-challenge answers a partial ticket,
  // and path+privs+port check a console ticket. Gatehouse issues neither (no second
  // factor, no console), so no such request can be valid: the same 401 as any failure.
  const usesConsoleTicket =
    input.path !== undefined && input.privs !== undefined && input.port !== undefined && input.password?.startsWith(CONSOLE_TICKET_PREFIX) === true;
  if (input["tfa-challenge"] !== undefined || usesConsoleTicket) throw new ApiError("LOGIN_FAILED");

  if (!httpOnly && input.password === undefined) {
    throw new ApiError("PARAMETER_INVALID", { errors: { password: "parameter is missing" } });
  }
  let login: LoginSuccess | null = null;
  // The SPA renews by posting without a password: its cookie is the credential.
  const cookieTicket = httpOnly ? readCookieTickets(req.headers.cookie).ticket : null;
  if (cookieTicket !== null && cookieTicket !== "") {
    login = await accessControl.login({ username, password: cookieTicket, source });
  }
  if (login === null && input.password !== undefined) {
    login = await accessControl.login({ username, password: input.password, source });
  }
  if (login === null) throw new ApiError("LOGIN_FAILED");

  if (!httpOnly && settings.legacyTickets) {
    return { data: { username: login.username, ticket: login.ticket, CSRFPreventionToken: login.CSRFPreventionToken } };
  }
  res.setHeader("Set-Cookie", formatTicketCookie(login.ticket));
  const data = { username: login.username, "ticket-info": login.ticketInfo, CSRFPreventionToken: login.CSRFPreventionToken };
  // A client that did not ask for this answer looks for a ticket that is not there; say why.
  return httpOnly ? { data } : { data, message: LEGACY_FLOW_OFF_NOTICE };
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
    summary: "log out: clear the ticket cookie",
    auth: "none",
    params: logoutSchema,
    handle({ res }) {
      res.setHeader("Set-Cookie", CLEAR_TICKET_COOKIE);
      return { data: null };
    },
  }),
];
