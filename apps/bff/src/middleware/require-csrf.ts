/**
 * CSRF protection for cookie sessions. A browser attaches the cookie to any request
 * it sends, so a state-changing request authenticated by the cookie must also prove
 * it was made by our page, which alone can read the CSRFPreventionToken. Tokens in
 * the Authorization header are never sent implicitly and need no proof.
 */
import type { Request } from "express";
import type { AccessControl, AuthContext } from "@gatehouse/auth-core";
import { ApiError } from "../errors.js";

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

/**
 * Throws unless a cookie-authenticated request carries a CSRFPreventionToken made
 * for its user. The app calls this after authentication on every state-changing
 * route that is not exempt; the route table decides which those are.
 */
export function requireCsrfToken(accessControl: AccessControl, req: Request, auth: AuthContext): void {
  if (auth.via !== "ticket") return;
  const token = req.get("CSRFPreventionToken");
  if (token === undefined || token === "") throw new ApiError("CSRF_MISSING");
  if (!accessControl.verifyCsrfToken(token, auth.userid)) throw new ApiError("CSRF_INVALID");
}
