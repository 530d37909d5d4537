/**
 * The server's structured logger. Requests are logged by method, path (never the
 * query string, which may carry parameters) and status; headers are not logged at
 * all. Redaction is the second line of defence: any field named like a credential
 * is censored at any nesting depth a log call is likely to produce.
 */
import { pino, type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "./config.js";

const SENSITIVE_KEYS = [
  "cookie",
  "Cookie",
  "set-cookie",
  "Set-Cookie",
  "authorization",
  "Authorization",
  "password",
  "ticket",
  "secret",
  "value",
  "CSRFPreventionToken",
  "csrfpreventiontoken",
] as const;

// Deep enough for `{req: {headers: {cookie}}}` and `{err: {cause: {config: {password}}}}`.
const REDACT_DEPTH = 4;

function buildRedactPaths(): string[] {
  const paths: string[] = [];
  for (let depth = 0; depth <= REDACT_DEPTH; depth += 1) {
    const prefix = "*.".repeat(depth);
    for (const key of SENSITIVE_KEYS) paths.push(`${prefix}["${key}"]`);
  }
  return paths;
}

export const REDACT_PATHS: readonly string[] = buildRedactPaths();

export function createLogger(options: { level: LogLevel; destination?: DestinationStream }): Logger {
  const settings = {
    level: options.level,
    base: { pid: process.pid },
    redact: { paths: [...REDACT_PATHS], censor: "[redacted]" },
  };
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
}

/** The path part of a request target; the query string is dropped. */
export function stripQuery(url: string): string {
  const question = url.indexOf("?");
  return question < 0 ? url : url.slice(0, question);
}

export type { Logger };
