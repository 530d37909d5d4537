/**
 * One log line per finished request: method, path without the query string,
 * status, duration and, when known, the authenticated id. Headers, bodies and
 * query strings are never logged, so no credential can reach the log from here.
 */
import type { RequestHandler } from "express";
import { stripQuery, type Logger } from "../logger.js";

export interface RequestLoggerOptions {
  logger: Logger;
}

export function createRequestLogger(options: RequestLoggerOptions): RequestHandler {
  const { logger } = options;
  if (typeof logger?.info !== "function") throw new TypeError("createRequestLogger: pass { logger }, a pino logger");
  return function requestLoggerMiddleware(req, res, next) {
    if (!logger.isLevelEnabled("info")) {
      next();
      return;
    }
    const startedAt = process.hrtime.bigint();
    res.once("finish", () => {
      const ms = Number(process.hrtime.bigint() - startedAt) / 1e6;
      logger.info(
        { method: req.method, path: stripQuery(req.originalUrl), status: res.statusCode, ms: Math.round(ms * 10) / 10 },
        "request",
      );
    });
    next();
  };
}
