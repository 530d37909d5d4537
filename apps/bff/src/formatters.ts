/**
 * The two API output formats of proxmox-rest-server's formatter.rs, chosen by the
 * second path component as PBS chooses them:
 *
 * - `/api2/json`: a success is `{"data": ..., <attributes>}`; an error is the HTTP
 *   status with the bare message as the body. pbs-client prints that body as the
 *   error, so a JSON envelope there would reach its users as raw JSON.
 * - `/api2/extjs`: always HTTP 200 (PBS's own UI, ExtJS, reads the outcome from the
 *   body): `{"data", "success": true, "status": 200, <attributes>}` or
 *   `{"success": false, "status", "message", "errors"}`.
 *
 * Attributes are what PBS's handlers set on the environment beside the data:
 * `digest`, and `total` for paged listings. docs/decisions/015-api-formats.md says
 * why errors differ between the two and why the console uses extjs.
 */
import type { Response } from "express";

export type ApiFormatName = "json" | "extjs";

/** One failure as the formatters write it; `errors` present means a parameter error. */
export interface FormattedError {
  status: number;
  message: string;
  errors?: Record<string, string>;
}

/** Beside `data` in a success body. */
export interface ReplyAttributes {
  digest?: string;
  total?: number;
  /** A notice for people reading a success by hand. */
  message?: string;
}

export interface ApiFormatter {
  readonly name: ApiFormatName;
  /** The members a success body starts with, before `data` and the attributes. */
  readonly successPrefix: Readonly<Record<string, unknown>>;
  sendError(res: Response, error: FormattedError): void;
}

// proxmox-schema's ParameterError: a headline, a blank line, then one line per parameter.
const PARAMETER_ERRORS_HEADLINE = "parameter verification errors";

/** The text PBS's JSON formatter sends for an error: the message, or the list of bad parameters. */
export function formatErrorText(error: FormattedError): string {
  if (error.errors === undefined || Object.keys(error.errors).length === 0) return error.message;
  const lines = Object.entries(error.errors).map(([name, why]) => `parameter '${name}': ${why}\n`);
  return `${PARAMETER_ERRORS_HEADLINE}\n\n${lines.join("")}`;
}

export const JSON_FORMATTER: ApiFormatter = Object.freeze({
  name: "json",
  successPrefix: Object.freeze({}),
  sendError(res: Response, error: FormattedError) {
    // PBS labels this body application/json although it is plain text; plain text
    // it is here, so no client is told to parse what is not JSON.
    res.status(error.status).type("text/plain; charset=utf-8").send(formatErrorText(error));
  },
});

export const EXTJS_FORMATTER: ApiFormatter = Object.freeze({
  name: "extjs",
  successPrefix: Object.freeze({ success: true, status: 200 }),
  sendError(res: Response, error: FormattedError) {
    const hasErrors = error.errors !== undefined && Object.keys(error.errors).length > 0;
    res.status(200).json({
      message: hasErrors ? PARAMETER_ERRORS_HEADLINE : error.message,
      errors: hasErrors ? error.errors : {},
      success: false,
      status: error.status,
    });
  },
});

export const API_FORMATTERS: Readonly<Record<ApiFormatName, ApiFormatter>> = Object.freeze({
  json: JSON_FORMATTER,
  extjs: EXTJS_FORMATTER,
});

/** The success body of a small reply. */
export function buildSuccessBody(formatter: ApiFormatter, data: unknown, attributes: ReplyAttributes): Record<string, unknown> {
  const body: Record<string, unknown> = { ...formatter.successPrefix, data: data ?? null };
  if (attributes.digest !== undefined) body["digest"] = attributes.digest;
  if (attributes.total !== undefined) body["total"] = attributes.total;
  if (attributes.message !== undefined) body["message"] = attributes.message;
  return body;
}

const FORMATTER_LOCAL = "gatehouseApiFormatter";

/** Marks the response as belonging to an API format, so the error handler answers in it. */
export function useApiFormatter(res: Response, formatter: ApiFormatter): void {
  (res.locals as Record<string, unknown>)[FORMATTER_LOCAL] = formatter;
}

/** The API format of this response, or null outside /api2 (the SPA, /metrics). */
export function readApiFormatter(res: Response): ApiFormatter | null {
  const value = (res.locals as Record<string, unknown>)[FORMATTER_LOCAL];
  if (value === JSON_FORMATTER) return JSON_FORMATTER;
  return value === EXTJS_FORMATTER ? EXTJS_FORMATTER : null;
}
