/**
 * Per-request authentication (DESIGN.md "Per-request authentication"). The order is
 * fixed: a cookie ticket (`__Host-` first, then the legacy cookie) decides alone,
 * and only without one is the `Authorization: PBSAPIToken=` header read. Every
 * decision about the credential itself is auth-core's.
 */
import type { Request, RequestHandler } from "express";
import { parseApiTokenHeader, type AccessControl, type AuthContext } from "@gatehouse/auth-core";
import { readCookieTickets, selectCookieTicket } from "../cookies.js";
import { ApiError } from "../errors.js";

export interface AuthenticateOptions {
  accessControl: AccessControl;
}

const authenticated = new WeakMap<Request, AuthContext>();

export function createAuthenticate(options: AuthenticateOptions): RequestHandler {
  const { accessControl } = options;
  if (typeof accessControl?.authenticateTicket !== "function") {
    throw new TypeError("createAuthenticate: pass { accessControl }, an AccessControl from AccessControl.open()");
  }
  return async function authenticateMiddleware(req, _res, next) {
    authenticated.set(req, await authenticateRequest(accessControl, req));
    next();
  };
}

/** Who made the request; only valid behind the authenticate middleware. */
export function readAuth(req: Request): AuthContext {
  const auth = authenticated.get(req);
  if (auth === undefined) throw new Error("readAuth: the route is not behind createAuthenticate()");
  return auth;
}

/** The client address, the key of auth-core's per-source failure throttle. */
export function readSource(req: Request): string | undefined {
  return req.socket.remoteAddress;
}

async function authenticateRequest(accessControl: AccessControl, req: Request): Promise<AuthContext> {
  const cookieTicket = selectCookieTicket(readCookieTickets(req.headers.cookie));
  if (cookieTicket !== null) {
    const auth = await accessControl.authenticateTicket(cookieTicket);
    if (auth === null) throw new ApiError("AUTH_FAILED");
    return auth;
  }
  const header = req.headers.authorization;
  if (header === undefined || header === "") throw new ApiError("AUTH_REQUIRED");
  const parsed = parseApiTokenHeader(header);
  if (!parsed.ok) throw new ApiError("AUTH_HEADER_MALFORMED");
  const auth = await accessControl.authenticateToken(parsed.value.authid, parsed.value.secret, readSource(req));
  if (auth === null) throw new ApiError("AUTH_FAILED");
  return auth;
}
