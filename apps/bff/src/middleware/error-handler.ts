/**
 * The one place that turns a thrown error into an HTTP error response. Routes and
 * middleware only throw: registry errors (`ApiError`), auth-core's typed errors, or
 * anything else, which becomes a logged 500 with a generic message.
 */
import type { ErrorRequestHandler } from "express";
import {
  ConflictError,
  InvalidParameterError,
  NotFoundError,
  PermissionDeniedError,
  QuotaExceededError,
  StoreLockCompromisedError,
  StoreLockTimeoutError,
  TooManyRequestsError,
} from "@gatehouse/auth-core";
import { clearingCookieFor, readRefusedCookie } from "../cookies.js";
import { readApiFormatter } from "../formatters.js";
import { ApiError, ERRORS, type ErrorCode } from "../errors.js";
import { stripQuery, type Logger } from "../logger.js";
import { readRequestId } from "./request-logger.js";

export interface ErrorReply {
  status: number;
  message: string;
  errors?: Record<string, string>;
  retryAfterS?: number;
}

export interface ErrorHandlerOptions {
  logger: Logger;
}

// A client waiting on the store lock should come back soon, not hammer it.
const STORE_BUSY_RETRY_AFTER_S = 1;
const MAX_MESSAGE_LENGTH = 300;

export function createErrorHandler(options: ErrorHandlerOptions): ErrorRequestHandler {
  const { logger } = options;
  if (typeof logger?.error !== "function") throw new TypeError("createErrorHandler: pass { logger }, a pino logger");
  return function errorHandlerMiddleware(error: unknown, req, res, next) {
    if (res.headersSent) {
      // Too late for a status: let Express abort the connection.
      next(error);
      return;
    }
    const reply = describeError(error);
    if (reply.status >= 500) {
      logger.error({ reqId: readRequestId(res), err: error, method: req.method, path: stripQuery(req.originalUrl) }, "request failed");
    }
    // A rejected session must not linger in the browser; but only the cookie that
    // was refused is cleared, so no other 401 can log a browser out (finding 9).
    const refusedCookie = readRefusedCookie(req);
    if (reply.status === 401 && refusedCookie !== undefined) res.setHeader("Set-Cookie", clearingCookieFor(refusedCookie));
    if (reply.retryAfterS !== undefined) res.setHeader("Retry-After", String(Math.max(1, Math.ceil(reply.retryAfterS))));
    const formatter = readApiFormatter(res);
    if (formatter !== null) {
      formatter.sendError(res, reply);
      return;
    }
    // Outside /api2 (the SPA's misses, /metrics) no PBS client is listening: a small JSON envelope.
    const body: { data: null; message: string; errors?: Record<string, string> } = { data: null, message: reply.message };
    if (reply.errors !== undefined && Object.keys(reply.errors).length > 0) body.errors = reply.errors;
    res.status(reply.status).json(body);
  };
}

/** Status, one-line message and extras for any thrown value. */
export function describeError(error: unknown): ErrorReply {
  if (error instanceof ApiError) {
    return { ...fromRegistry(error.code), message: oneLine(error.message), ...definedOnly(error.details) };
  }
  if (error instanceof InvalidParameterError) {
    return { status: 400, message: oneLine(error.message), errors: error.errors };
  }
  if (error instanceof PermissionDeniedError) return { status: 403, message: oneLine(error.message) };
  if (error instanceof NotFoundError) return { status: 404, message: oneLine(error.message) };
  if (error instanceof ConflictError) return { status: 409, message: oneLine(error.message) };
  if (error instanceof QuotaExceededError) return { status: 400, message: oneLine(error.message) };
  if (error instanceof TooManyRequestsError) {
    return { status: 429, message: oneLine(error.message), retryAfterS: error.retryAfterS };
  }
  // The lock path is an internal detail; the client only needs to retry.
  if (error instanceof StoreLockTimeoutError) return { ...fromRegistry("STORE_BUSY"), retryAfterS: STORE_BUSY_RETRY_AFTER_S };
  // The change may not have been written; retrying against a fresh lock is safe.
  if (error instanceof StoreLockCompromisedError) return { ...fromRegistry("STORE_BUSY"), retryAfterS: STORE_BUSY_RETRY_AFTER_S };
  const status = readHttpStatus(error);
  if (status === 413) return fromRegistry("BODY_TOO_LARGE");
  if (status === 415) return fromRegistry("UNSUPPORTED_ENCODING");
  if (status !== null && status >= 400 && status < 500) return fromRegistry("REQUEST_MALFORMED");
  return fromRegistry("INTERNAL");
}

function fromRegistry(code: ErrorCode): ErrorReply {
  return { status: ERRORS[code].status, message: ERRORS[code].message };
}

function definedOnly(details: ApiError["details"]): Partial<ErrorReply> {
  const extra: Partial<ErrorReply> = {};
  if (details.errors !== undefined) extra.errors = details.errors;
  if (details.retryAfterS !== undefined) extra.retryAfterS = details.retryAfterS;
  return extra;
}

/** The status of an http-errors style error raised inside Express (e.g. a bad path escape). */
function readHttpStatus(error: unknown): number | null {
  if (typeof error !== "object" || error === null) return null;
  const status = (error as { status?: unknown; statusCode?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode;
  return typeof status === "number" && Number.isInteger(status) ? status : null;
}

function oneLine(message: string): string {
  const flat = message.replace(/\s+/g, " ").trim();
  return flat.length > MAX_MESSAGE_LENGTH ? `${flat.slice(0, MAX_MESSAGE_LENGTH)}...` : flat;
}
