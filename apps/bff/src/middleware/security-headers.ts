/**
 * helmet with the strict policy of docs/design.md "Security". It runs first, so every
 * response carries it: API replies, errors, static files and the SPA's index page.
 */
import type { RequestHandler } from "express";
import helmet from "helmet";

// One year, the usual floor for HSTS preload lists.
const HSTS_MAX_AGE_S = 31_536_000;

export function createSecurityHeaders(): RequestHandler {
  const applyHelmet = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        // No 'unsafe-inline': the SPA gets its session hint from a <meta> tag, not an inline script.
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
    },
    strictTransportSecurity: { maxAge: HSTS_MAX_AGE_S, includeSubDomains: true },
    referrerPolicy: { policy: "no-referrer" },
    xContentTypeOptions: true,
    xFrameOptions: { action: "deny" },
  });
  return function securityHeadersMiddleware(req, res, next) {
    applyHelmet(req, res, next);
  };
}

/**
 * The headers helmet sets, captured once, for replies that Node's HTTP parser writes
 * before Express runs (400 for an unparsable request, 431 for oversized headers):
 * those bypass the middleware, yet should carry the same policy as every other reply.
 */
export function captureSecurityHeaders(): Array<[string, string]> {
  const captured = new Map<string, string>();
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      captured.set(name, Array.isArray(value) ? value.join(", ") : String(value));
    },
    removeHeader(name: string) {
      captured.delete(name);
    },
  };
  const middleware = createSecurityHeaders() as unknown as (req: object, res: object, next: (error?: unknown) => void) => void;
  middleware({}, response, (error?: unknown) => {
    if (error !== undefined) throw new Error("helmet failed while capturing security headers", { cause: error });
  });
  return [...captured];
}
