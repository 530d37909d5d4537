/**
 * Per-request authentication (docs/design.md "How a request flows"). The order is
 * fixed: a cookie ticket (`__Host-` first, then the legacy cookie) decides alone,
 * and only without one is the `Authorization: PBSAPIToken=` header read. Every
 * decision about the credential itself is auth-core's.
 */
import type { Request, RequestHandler } from "express";
import { parseApiTokenHeader, whenResolved, type AccessControl, type AuthContext, type MaybePromise } from "@gatehouse/auth-core";
import { markCookieRefused, readCookieTickets, selectCookieTicket } from "../cookies.js";
import { ApiError } from "../errors.js";

export interface AuthenticateOptions {
  accessControl: AccessControl;
}

/** Where the middleware leaves the caller on the request: a private symbol, cheaper per request than a WeakMap entry. */
const AUTH = Symbol("gatehouse.auth");

interface AuthenticatedRequest extends Request {
  [AUTH]?: AuthContext;
}

export function createAuthenticate(options: AuthenticateOptions): RequestHandler {
  const { accessControl } = options;
  if (typeof accessControl?.authenticateTicket !== "function") {
    throw new TypeError("createAuthenticate: pass { accessControl }, an AccessControl from AccessControl.open()");
  }
  // A cache hit is decided synchronously: no promise, no microtask, and Express
  // sees no promise to watch. A miss returns auth-core's promise, whose rejection
  // (like a throw on the synchronous branch) reaches Express 5's error handling.
  return function authenticateMiddleware(req, _res, next) {
    const outcome = authenticateRequest(accessControl, req);
    if (outcome instanceof Promise) {
      return outcome.then((auth) => {
        (req as AuthenticatedRequest)[AUTH] = auth;
        next();
      });
    }
    (req as AuthenticatedRequest)[AUTH] = outcome;
    next();
    return undefined;
  };
}

/** Who made the request; only valid behind the authenticate middleware. */
export function readAuth(req: Request): AuthContext {
  const auth = (req as AuthenticatedRequest)[AUTH];
  if (auth === undefined) throw new Error("readAuth: the route is not behind createAuthenticate()");
  return auth;
}

/** The client address, the key of auth-core's per-source failure throttle. */
export function readSource(req: Request): string | undefined {
  return req.socket.remoteAddress;
}

/**
 * Who sent `req`. Throws for a missing, malformed or (when decided at once)
 * refused credential; a refusal decided later rejects. The API routes call this
 * inside their one handler; other mounts use the middleware above.
 */
export function authenticateRequest(accessControl: AccessControl, req: Request): MaybePromise<AuthContext> {
  // No Cookie header (the usual token request) costs no cookie parsing.
  const cookieHeader = req.headers.cookie;
  const cookieTicket = cookieHeader === undefined ? null : selectCookieTicket(readCookieTickets(cookieHeader));
  if (cookieTicket !== null) {
    return whenResolved(accessControl.authenticateTicketNow(cookieTicket.value), (auth) => {
      // The cookie was the credential and failed: only now may the 401 clear it.
      if (auth === null) markCookieRefused(req, cookieTicket.cookie);
      return requireAuthenticated(auth);
    });
  }
  const header = req.headers.authorization;
  if (header === undefined || header === "") throw new ApiError("AUTH_REQUIRED");
  const parsed = parseApiTokenHeader(header);
  if (!parsed.ok) throw new ApiError("AUTH_HEADER_MALFORMED");
  return whenResolved(accessControl.authenticateTokenNow(parsed.value.authid, parsed.value.secret, readSource(req)), requireAuthenticated);
}

function requireAuthenticated(auth: AuthContext | null): AuthContext {
  if (auth === null) throw new ApiError("AUTH_FAILED");
  return auth;
}
