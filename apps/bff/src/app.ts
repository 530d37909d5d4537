/**
 * The Express application: security headers on everything, the /api2/json routes,
 * the SPA, and one error handler. `createApp` holds no auth logic: it wires
 * middleware around the route table and hands every decision to auth-core.
 */
import express, { type Express, type Request, type RequestHandler, type Response } from "express";
import { PermissionDeniedError, whenResolved, type AccessControl, type AuthContext } from "@gatehouse/auth-core";
import { ApiError } from "./errors.js";
import type { Logger } from "./logger.js";
import { ServerMetrics } from "./metrics.js";
import { authenticateRequest, createAuthenticate, readSource } from "./middleware/authenticate.js";
import { createBodyParsing } from "./middleware/body-parsing.js";
import { createErrorHandler } from "./middleware/error-handler.js";
import { createRequestLogger, readRequestId } from "./middleware/request-logger.js";
import { CSRF_EXEMPT_ROUTES, requireCsrfToken } from "./middleware/require-csrf.js";
import { createSecurityHeaders } from "./middleware/security-headers.js";
import { EXTJS_FORMATTER, JSON_FORMATTER, useApiFormatter, type ApiFormatter } from "./formatters.js";
import { createOpenApiHandler, OPENAPI_PATH } from "./openapi.js";
import { mergeParameterSources, parseParams, toPlainRecord } from "./params.js";
import { API_PREFIX, API_ROOT, API_ROUTES, EXTJS_API_PREFIX } from "./routes/api-routes.js";
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
  const bodyLimitBytes = deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const routeSettings = deps.routeSettings ?? DEFAULT_ROUTE_SETTINGS;
  // Every route under both formats, as PBS serves them (proxmox-rest-server's rest.rs).
  app.use(API_PREFIX, createApiRouter(accessControl, bodyLimitBytes, routeSettings, JSON_FORMATTER));
  app.use(EXTJS_API_PREFIX, createApiRouter(accessControl, bodyLimitBytes, routeSettings, EXTJS_FORMATTER));
  // Anything else under /api2 is an API miss, never the SPA's index page.
  app.use(API_ROOT, function unknownApiFormatMiddleware(req, res) {
    useApiFormatter(res, JSON_FORMATTER);
    const format = req.path.split("/")[1] ?? "";
    throw format === ""
      ? notFoundAt(req)
      : new ApiError("FORMAT_UNSUPPORTED", { message: `Unsupported output format '${limitForMessage(format)}'.` });
  });
  app.use(createSpaHandler({ distDir: deps.webDistDir ?? DEFAULT_WEB_DIST_DIR, accessControl }));
  app.use(function unknownRouteMiddleware() {
    throw new ApiError("ROUTE_NOT_FOUND");
  });
  app.use(createErrorHandler({ logger }));
  return app;
}

function createApiRouter(
  accessControl: AccessControl,
  bodyLimitBytes: number,
  settings: RouteSettings,
  formatter: ApiFormatter,
): express.Router {
  checkCsrfExemptions(API_ROUTES);
  const router = express.Router({ caseSensitive: true });
  const exempt = new Set(CSRF_EXEMPT_ROUTES);

  router.use(function noStoreMiddleware(_req, res, next) {
    // API replies may carry secrets and CSRF tokens: never cache them.
    res.setHeader("Cache-Control", "no-store");
    // The error handler answers in this router's format, whatever fails from here on.
    useApiFormatter(res, formatter);
    next();
  });
  router.use(createBodyParsing({ limitBytes: bodyLimitBytes }));
  for (const route of API_ROUTES) {
    // A GET route (Express answers HEAD with it) changes nothing and needs no CSRF proof.
    const requiresCsrf = route.auth === "required" && route.method !== "GET" && !exempt.has(describeRoute(route));
    const method = route.method.toLowerCase() as Lowercase<HttpMethod>;
    router[method](route.path, createRouteHandler(route, accessControl, settings, requiresCsrf, formatter));
  }
  router.use(function unknownApiRouteMiddleware(req) {
    throw notFoundAt(req);
  });
  return router;
}

/** PBS's 404 for an API path no route serves: `Path '<path>' not found.` */
function notFoundAt(req: Request): ApiError {
  return new ApiError("ROUTE_NOT_FOUND", { message: `Path '${limitForMessage(req.originalUrl.split("?")[0] ?? "")}' not found.` });
}

// The path is echoed back; a few hundred characters say enough.
const MAX_ECHOED_PATH_LENGTH = 200;

function limitForMessage(text: string): string {
  return text.length > MAX_ECHOED_PATH_LENGTH ? `${text.slice(0, MAX_ECHOED_PATH_LENGTH)}...` : text;
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
      throw new Error(
        `${describeRoute(route)} changes state without authentication; require auth or add it to CSRF_EXEMPT_ROUTES with a reason`,
      );
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
function createRouteHandler(
  route: ApiRoute,
  accessControl: AccessControl,
  settings: RouteSettings,
  requiresCsrf: boolean,
  formatter: ApiFormatter,
): RequestHandler {
  if (route.auth === "none") {
    return function publicApiRouteHandler(req, res) {
      const input = parseParams(route.params, collectParams(req));
      return whenResolved(route.handle({ input, accessControl, settings, req, res }), (reply) => sendReply(res, reply, formatter));
    };
  }
  // Parameters are checked after authentication: an anonymous caller learns nothing about them.
  const respond = (req: Request, res: Response, auth: AuthContext) => {
    const input = parseParams(route.params, collectParams(req));
    return whenResolved(route.handle({ input, accessControl, settings, req, res, auth }), (reply) => sendReply(res, reply, formatter));
  };
  // A state change is audited (issue 14): it learns the source and request id, and a
  // refusal for permission is recorded. Reads stay as they are, so the cached
  // token path pays nothing for it.
  const respondAudited =
    route.method === "GET"
      ? respond
      : (req: Request, res: Response, auth: AuthContext) =>
          respondRecordingRefusals(accessControl, route, req, res, withRequestInfo(auth, req, res), respond);
  if (!requiresCsrf) {
    return function authenticatedApiRouteHandler(req, res) {
      return whenResolved(authenticateRequest(accessControl, req), (auth) => respondAudited(req, res, auth));
    };
  }
  return function csrfProtectedApiRouteHandler(req, res) {
    return whenResolved(authenticateRequest(accessControl, req), (auth) => {
      requireCsrfToken(accessControl, req, auth);
      return respondAudited(req, res, auth);
    });
  };
}

/** The caller with the request's source address and id, which the audit records carry. */
function withRequestInfo(auth: AuthContext, req: Request, res: Response): AuthContext {
  const source = readSource(req);
  const requestId = readRequestId(res);
  return Object.freeze({
    ...auth,
    ...(source === undefined ? {} : { source }),
    ...(requestId === undefined ? {} : { requestId }),
  });
}

/** Runs the route; a PermissionDeniedError is recorded as a refused write before it propagates. */
async function respondRecordingRefusals(
  accessControl: AccessControl,
  route: ApiRoute,
  req: Request,
  res: Response,
  auth: AuthContext,
  respond: (req: Request, res: Response, auth: AuthContext) => unknown,
): Promise<unknown> {
  try {
    return await respond(req, res, auth);
  } catch (error) {
    if (error instanceof PermissionDeniedError) {
      await accessControl.recordAuditEvent(auth, "write.denied", describeRoute(route), "denied");
    }
    throw error;
  }
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
