/**
 * The Express application: security headers on everything, the /api2/json routes,
 * the SPA, and one error handler. `createApp` holds no auth logic: it wires
 * middleware around the route table and hands every decision to auth-core.
 */
import express, { type Express, type Request, type RequestHandler, type Response } from "express";
import { whenResolved, type AccessControl, type AuthContext } from "@gatehouse/auth-core";
import { ApiError } from "./errors.js";
import type { Logger } from "./logger.js";
import { ServerMetrics } from "./metrics.js";
import { authenticateRequest, createAuthenticate } from "./middleware/authenticate.js";
import { createBodyParsing } from "./middleware/body-parsing.js";
import { createErrorHandler } from "./middleware/error-handler.js";
import { createRequestLogger } from "./middleware/request-logger.js";
import { CSRF_EXEMPT_ROUTES, requireCsrfToken } from "./middleware/require-csrf.js";
import { createSecurityHeaders } from "./middleware/security-headers.js";
import { createOpenApiHandler, OPENAPI_PATH } from "./openapi.js";
import { mergeParameterSources, parseParams, toPlainRecord } from "./params.js";
import { API_PREFIX, API_ROUTES } from "./routes/api-routes.js";
import { createMetricsHandler, METRICS_PATH } from "./routes/metrics.js";
import { DEFAULT_ROUTE_SETTINGS, describeRoute, type ApiRoute, type HttpMethod, type RouteSettings } from "./routes/route.js";
import { readPackageVersion } from "./routes/version.js";
import { sendReply } from "./send-reply.js";
import { DEFAULT_WEB_DIST_DIR, createSpaHandler } from "./spa.js";

export interface AppDeps {
  accessControl: AccessControl;
  logger: Logger;
  /** The SPA build; defaults to apps/web/dist. */
  webDistDir?: string;
  /** Test-only: sent as `X-Gatehouse-Worker` so a test can see which process answered. */
  workerId?: string;
  /** Largest request body; 64 KiB by default. */
  bodyLimitBytes?: number;
  /** Server options the routes read; the legacy ticket flow is on by default. */
  routeSettings?: RouteSettings;
  /**
   * This process's metrics; by default a registry without the event-loop series.
   * GET /metrics answers with `scrapeMetrics()`, by default this registry alone.
   */
  metrics?: ServerMetrics;
  /** The whole server's exposition: a cluster worker asks the primary for the sum over workers. */
  scrapeMetrics?: () => Promise<string>;
}

export interface RouteInfo {
  method: HttpMethod;
  /** Full path including /api2/json, in Express syntax. */
  path: string;
  auth: ApiRoute["auth"];
  /** Whether a cookie-authenticated request must carry a valid CSRFPreventionToken. */
  csrf: boolean;
}

export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;

// ExtJS clients append `_dc=<time>` to GETs to defeat caches; PBS ignores it.
const CACHE_BUSTER_PARAM = "_dc";

/** Every API route with its protection, for tests that iterate the whole API. */
export function listApiRoutes(): RouteInfo[] {
  const exempt = new Set(CSRF_EXEMPT_ROUTES);
  return API_ROUTES.map((route) => ({
    method: route.method,
    path: `${API_PREFIX}${route.path}`,
    auth: route.auth,
    csrf: route.auth === "required" && route.method !== "GET" && !exempt.has(describeRoute(route)),
  }));
}

export function createApp(deps: AppDeps): Express {
  const { accessControl, logger } = deps;
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  // Replies are small and never cached (no-store); hashing each one for an ETag is wasted work.
  app.set("etag", false);
  // Escapes <, > and & in JSON so an API reply can never be sniffed as markup.
  app.set("json escape", true);

  app.use(createSecurityHeaders());
  if (deps.workerId !== undefined) app.use(createWorkerHeader(deps.workerId));
  const metrics =
    deps.metrics ?? new ServerMetrics({ readAuth: () => accessControl.snapshotMetrics(), eventLoop: null, worker: String(process.pid) });
  app.use(createRequestLogger({ logger, metrics }));
  app.get(
    METRICS_PATH,
    createAuthenticate({ accessControl }),
    createMetricsHandler({ accessControl, scrape: deps.scrapeMetrics ?? (() => metrics.renderLocal()) }),
  );
  app.get(OPENAPI_PATH, createOpenApiHandler(API_ROUTES, { version: readPackageVersion() }));
  app.use(API_PREFIX, createApiRouter(accessControl, deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES, deps.routeSettings ?? DEFAULT_ROUTE_SETTINGS));
  app.use(createSpaHandler({ distDir: deps.webDistDir ?? DEFAULT_WEB_DIST_DIR, accessControl }));
  app.use(function unknownRouteMiddleware() {
    throw new ApiError("ROUTE_NOT_FOUND");
  });
  app.use(createErrorHandler({ logger }));
  return app;
}

function createApiRouter(accessControl: AccessControl, bodyLimitBytes: number, settings: RouteSettings): express.Router {
  checkCsrfExemptions(API_ROUTES);
  const router = express.Router({ caseSensitive: true });
  const exempt = new Set(CSRF_EXEMPT_ROUTES);

  router.use(function noStoreMiddleware(_req, res, next) {
    // API replies may carry secrets and CSRF tokens: never cache them.
    res.setHeader("Cache-Control", "no-store");
    next();
  });
  router.use(createBodyParsing({ limitBytes: bodyLimitBytes }));
  for (const route of API_ROUTES) {
    // A GET route (Express answers HEAD with it) changes nothing and needs no CSRF proof.
    const requiresCsrf = route.auth === "required" && route.method !== "GET" && !exempt.has(describeRoute(route));
    const method = route.method.toLowerCase() as Lowercase<HttpMethod>;
    router[method](route.path, createRouteHandler(route, accessControl, settings, requiresCsrf));
  }
  router.use(function unknownApiRouteMiddleware() {
    throw new ApiError("ROUTE_NOT_FOUND");
  });
  return router;
}

/**
 * Refuses to build an app where a state-changing route could skip CSRF by
 * accident: an unauthenticated non-GET route must be listed as exempt, and every
 * listed exemption must name a real route.
 */
function checkCsrfExemptions(routes: readonly ApiRoute[]): void {
  const names = new Set(routes.map(describeRoute));
  for (const entry of CSRF_EXEMPT_ROUTES) {
    if (!names.has(entry)) throw new Error(`CSRF_EXEMPT_ROUTES lists "${entry}", which is not a route; remove it`);
  }
  for (const route of routes) {
    if (route.method !== "GET" && route.auth === "none" && !CSRF_EXEMPT_ROUTES.includes(describeRoute(route))) {
      throw new Error(`${describeRoute(route)} changes state without authentication; require auth or add it to CSRF_EXEMPT_ROUTES with a reason`);
    }
  }
}

/**
 * One Express layer per route that does everything in order: authenticate (when
 * the route requires it), check CSRF (when it changes state), collect parameters
 * and parse them with the route's own schema, handle, reply. Guards as separate
 * layers cost a dispatch each and a property on the request to hand the caller
 * over; here the caller is a local. A cached
 * credential and a synchronous route answer without a single promise.
 *
 * The three kinds of handler have distinct names on purpose: the security suite
 * walks the live router and proves from them that every state-changing route
 * but login and logout is CSRF-protected.
 */
function createRouteHandler(route: ApiRoute, accessControl: AccessControl, settings: RouteSettings, requiresCsrf: boolean): RequestHandler {
  if (route.auth === "none") {
    return function publicApiRouteHandler(req, res) {
      const input = parseParams(route.params, collectParams(req));
      return whenResolved(route.handle({ input, accessControl, settings, req, res }), (reply) => sendReply(res, reply));
    };
  }
  // Parameters are checked after authentication: an anonymous caller learns nothing about them.
  const respond = (req: Request, res: Response, auth: AuthContext) => {
    const input = parseParams(route.params, collectParams(req));
    return whenResolved(route.handle({ input, accessControl, settings, req, res, auth }), (reply) => sendReply(res, reply));
  };
  if (!requiresCsrf) {
    return function authenticatedApiRouteHandler(req, res) {
      return whenResolved(authenticateRequest(accessControl, req), (auth) => respond(req, res, auth));
    };
  }
  return function csrfProtectedApiRouteHandler(req, res) {
    return whenResolved(authenticateRequest(accessControl, req), (auth) => {
      requireCsrfToken(accessControl, req, auth);
      return respond(req, res, auth);
    });
  };
}

/** Query string, body and path parameters as one record, as PBS merges them. */
function collectParams(req: Request): Record<string, unknown> {
  const query = toPlainRecord(req.query);
  delete query[CACHE_BUSTER_PARAM];
  const rawBody: unknown = req.body;
  if (rawBody !== undefined && (typeof rawBody !== "object" || rawBody === null || Array.isArray(rawBody))) {
    throw new ApiError("BODY_NOT_OBJECT");
  }
  return mergeParameterSources(query, toPlainRecord(rawBody), toPlainRecord(req.params));
}

function createWorkerHeader(workerId: string): RequestHandler {
  if (!/^[\w.-]{1,64}$/.test(workerId)) throw new TypeError("createApp: workerId must be 1-64 word characters");
  return function workerHeaderMiddleware(_req, res, next) {
    res.setHeader("X-Gatehouse-Worker", workerId);
    next();
  };
}
