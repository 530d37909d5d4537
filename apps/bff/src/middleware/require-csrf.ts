/**
 * CSRF protection for cookie sessions. A browser attaches the cookie to any request
 * it sends, so a state-changing request authenticated by the cookie must also prove
 * it was made by our page, which alone can read the CSRFPreventionToken. Tokens in
 * the Authorization header are never sent implicitly and need no proof.
 */
import type { RequestHandler } from "express";
import type { AccessControl } from "@gatehouse/auth-core";
import { ApiError } from "../errors.js";
import { readAuth } from "./authenticate.js";

export interface RequireCsrfOptions {
  accessControl: AccessControl;
}

/**
 * The only state-changing routes that skip the CSRF check, as `METHOD /path` under
 * /api2/json. The app refuses to start if any other non-GET route lacks the check.
 */
export const CSRF_EXEMPT_ROUTES: readonly string[] = [
  // Login: the caller has no CSRF token yet. A forged cross-site login cannot carry
  // the SameSite=Lax cookie, and without it it needs the victim's password.
  "POST /access/ticket",
  // Logout only clears the caller's own cookie; it needs no authentication at all.
  "DELETE /access/ticket",
];

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function createRequireCsrf(options: RequireCsrfOptions): RequestHandler {
  const { accessControl } = options;
  if (typeof accessControl?.verifyCsrfToken !== "function") {
    throw new TypeError("createRequireCsrf: pass { accessControl }, an AccessControl from AccessControl.open()");
  }
  return function requireCsrfMiddleware(req, _res, next) {
    if (SAFE_METHODS.has(req.method)) {
      next();
      return;
    }
    const auth = readAuth(req);
    if (auth.via === "ticket") {
      const token = req.get("CSRFPreventionToken");
      if (token === undefined || token === "") throw new ApiError("CSRF_MISSING");
      if (!accessControl.verifyCsrfToken(token, auth.userid)) throw new ApiError("CSRF_INVALID");
    }
    next();
  };
}
