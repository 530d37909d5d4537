/**
 * JSON and form bodies (proxmoxer sends forms), both capped at the same size.
 * body-parser's own errors are translated into registry codes here, so a bad body
 * is always a 4xx with the standard error shape and never a 500.
 */
import express, { type RequestHandler } from "express";
import { ApiError, type ErrorCode } from "../errors.js";

export interface BodyParsingOptions {
  /** Largest accepted body in bytes. */
  limitBytes: number;
}

// A form with more fields than this is not a request any route accepts.
const MAX_FORM_PARAMETERS = 200;

const BODY_ERROR_CODES: Record<string, ErrorCode> = {
  "entity.too.large": "BODY_TOO_LARGE",
  "parameters.too.many": "BODY_TOO_LARGE",
  "entity.parse.failed": "BODY_MALFORMED",
  "entity.verify.failed": "BODY_MALFORMED",
  "encoding.unsupported": "UNSUPPORTED_ENCODING",
  "charset.unsupported": "UNSUPPORTED_ENCODING",
  "request.aborted": "REQUEST_MALFORMED",
  "request.size.invalid": "REQUEST_MALFORMED",
};

export function createBodyParsing(options: BodyParsingOptions): RequestHandler {
  if (!Number.isSafeInteger(options.limitBytes) || options.limitBytes <= 0) {
    throw new TypeError(`createBodyParsing: limitBytes must be a positive integer number of bytes, got ${String(options.limitBytes)}`);
  }
  const parseJson = express.json({ limit: options.limitBytes, strict: true });
  const parseForm = express.urlencoded({
    limit: options.limitBytes,
    extended: false,
    parameterLimit: MAX_FORM_PARAMETERS,
  });
  return function bodyParsingMiddleware(req, res, next) {
    parseJson(req, res, (jsonError?: unknown) => {
      if (jsonError !== undefined) {
        next(translateBodyError(jsonError));
        return;
      }
      parseForm(req, res, (formError?: unknown) => {
        next(formError === undefined ? undefined : translateBodyError(formError));
      });
    });
  };
}

function translateBodyError(error: unknown): unknown {
  const type = typeof error === "object" && error !== null ? (error as { type?: unknown }).type : undefined;
  const code = typeof type === "string" ? BODY_ERROR_CODES[type] : undefined;
  return code === undefined ? error : new ApiError(code);
}
