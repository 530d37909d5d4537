/**
 * Per-request authentication (docs/design.md "How a request flows"). The order is
 * fixed: a cookie ticket (`__Host-` first, then the legacy cookie) decides alone,
 * and only without one is the `Authorization: PBSAPIToken=` header read. Every
 * decision about the credential itself is auth-core's.
 */
import type { Request, RequestHandler } from "express";
import type { AccessControl, AuthContext, AuthenticationRefusal, MaybePromise } from "@gatehouse/auth-core";
import { markCookieRefused, readCookieTickets, selectCookieTicket } from "../cookies.js";
import type { CookieTicket } from "../cookies.js";
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
 * inside their one handler; other mounts use the middleware above. auth-core gets
 * the credentials once, as they arrived, and makes every decision about them.
 */
export function authenticateRequest(accessControl: AccessControl, req: Request): MaybePromise<AuthContext> {
  // No Cookie header (the usual token request) costs no cookie parsing.
  const cookieHeader = req.headers.cookie;
  const cookieTicket = cookieHeader === undefined ? null : selectCookieTicket(readCookieTickets(cookieHeader));
  const outcome = accessControl.authenticate({
    cookie: cookieTicket?.value,
    authorization: req.headers.authorization,
    source: readSource(req),
  });
  if (outcome instanceof Promise) return outcome.then((answer) => requireCaller(req, cookieTicket, answer));
  return requireCaller(req, cookieTicket, outcome);
}

/** The caller, or the error the route answers with. */
function requireCaller(req: Request, cookieTicket: CookieTicket | null, outcome: AuthContext | AuthenticationRefusal): AuthContext {
  if (typeof outcome !== "string") return outcome;
  switch (outcome) {
    case "no-credential":
      throw new ApiError("AUTH_REQUIRED");
    case "malformed-authorization":
      throw new ApiError("AUTH_HEADER_MALFORMED");
    case "ticket-refused":
      // The cookie was the credential and failed: only now may the 401 clear it.
      if (cookieTicket !== null) markCookieRefused(req, cookieTicket.cookie);
      throw new ApiError("AUTH_FAILED");
    case "token-refused":
      throw new ApiError("AUTH_FAILED");
  }
}
