/**
 * Per request: an id (sent back as `X-Request-Id` and carried by every log line
 * about the request), the request duration histogram of GET /metrics, and one log
 * line per finished request: id, method, path without the query string, status and
 * duration. Headers, bodies and query strings are never logged, so no credential
 * can reach the log from here.
 */
import { randomUUID } from "node:crypto";
import type { Request, RequestHandler, Response } from "express";
import { stripQuery, type Logger } from "../logger.js";
import { UNMATCHED_ROUTE, type ServerMetrics } from "../metrics.js";

export interface RequestLoggerOptions {
  logger: Logger;
  /** Where request durations are counted; without it they are not. */
  metrics?: ServerMetrics;
}

export const REQUEST_ID_HEADER = "X-Request-Id";

/** Where the id waits for later log calls about the same request (the error handler's). */
const REQUEST_ID = Symbol("gatehouse.requestId");

interface ResponseWithId extends Response {
  [REQUEST_ID]?: string;
}

/** The id of the request `res` answers; undefined outside the middleware (unit tests). */
export function readRequestId(res: Response): string | undefined {
  return (res as ResponseWithId)[REQUEST_ID];
}

/**
 * The line is built from fields that can never hold a credential, so the
 * logger's wildcard redaction (about 50 µs a line, a sixth of a whole API request
 * in the bench profile) buys nothing here. Every other log call keeps it.
 */
const NO_REDACTION = { redact: { paths: [] as string[] } };

const NS_PER_S = 1e9;

/**
 * The route pattern that answered, e.g. `/access/users/:userid` (the same label
 * under every API prefix), so the histogram's label set stays bounded by the route
 * table however many users there are.
 */
function routeLabel(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === "string" ? path : UNMATCHED_ROUTE;
}

export function createRequestLogger(options: RequestLoggerOptions): RequestHandler {
  const { logger, metrics } = options;
  if (typeof logger?.info !== "function") throw new TypeError("createRequestLogger: pass { logger }, a pino logger");
  const requestLog = logger.child({}, NO_REDACTION);
  return function requestLoggerMiddleware(req, res, next) {
    // A random UUID, never the client's: an id is only useful for correlation if it is unique.
    const requestId = randomUUID();
    (res as ResponseWithId)[REQUEST_ID] = requestId;
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const logging = requestLog.isLevelEnabled("info");
    if (!logging && metrics === undefined) {
      next();
      return;
    }
    const startedAt = process.hrtime.bigint();
    res.once("finish", () => {
      const seconds = Number(process.hrtime.bigint() - startedAt) / NS_PER_S;
      metrics?.observeRequest(req.method, routeLabel(req), res.statusCode, seconds);
      if (logging) {
        requestLog.info(
          {
            reqId: requestId,
            method: req.method,
            path: stripQuery(req.originalUrl),
            status: res.statusCode,
            ms: Math.round(seconds * 10_000) / 10,
          },
          "request",
        );
      }
    });
    next();
  };
}
