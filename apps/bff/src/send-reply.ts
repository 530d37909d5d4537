/**
 * Writes a route's reply in its API format (formatters.ts): `{"data": ...,
 * "digest"?: ..., "total"?: ...}`, plus `success` and `status` for extjs. A small
 * reply goes out in one `res.json`. A listing of thousands of rows is serialized
 * in slices that give the event loop back, honouring back-pressure, so a full
 * listing at 100,000 tokens never holds the serving thread for more than a slice
 * (docs/design.md, scale rules) and cached-token requests are answered meanwhile.
 */
import type { Response } from "express";
import { buildSuccessBody, JSON_FORMATTER, type ApiFormatter } from "./formatters.js";
import type { RouteReply } from "./routes/route.js";

/** Below this many rows one JSON.stringify takes well under a millisecond or two: not worth streaming. */
export const STREAMED_REPLY_MIN_ROWS = 1000;
/** Rows serialized per slice: a few hundred small objects stringify in about a millisecond. */
const ROWS_PER_SLICE = 500;

/** The escapes of Express's `json escape` setting, so a streamed reply reads exactly like a buffered one. */
const JSON_ESCAPES: Record<string, string> = { "<": "\\u003c", ">": "\\u003e", "&": "\\u0026" };

function escapeJson(json: string): string {
  return json.replace(/[<>&]/g, (c) => JSON_ESCAPES[c] ?? c);
}

/** Synchronous for small replies; a promise for a streamed one. */
export function sendReply(res: Response, reply: RouteReply, formatter: ApiFormatter = JSON_FORMATTER): void | Promise<void> {
  if (Array.isArray(reply.data) && reply.data.length >= STREAMED_REPLY_MIN_ROWS) return streamReply(res, reply.data, reply, formatter);
  res.status(200).json(buildSuccessBody(formatter, reply.data, reply));
}

async function streamReply(res: Response, rows: readonly unknown[], reply: RouteReply, formatter: ApiFormatter): Promise<void> {
  res.status(200);
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  // The format's leading members (extjs: success, status), then the rows as they are serialized.
  const prefix = JSON.stringify(formatter.successPrefix).slice(0, -1);
  res.write(`${prefix}${prefix === "{" ? "" : ","}"data":[`);
  for (let start = 0; start < rows.length; start += ROWS_PER_SLICE) {
    if (res.destroyed) return;
    const slice = rows.slice(start, start + ROWS_PER_SLICE).map((row) => JSON.stringify(row) ?? "null");
    const written = res.write(`${start === 0 ? "" : ","}${escapeJson(slice.join(","))}`);
    await (written ? new Promise<void>((resolve) => setImmediate(resolve)) : waitForDrain(res));
  }
  let tail = "]";
  if (reply.digest !== undefined) tail += `,"digest":${JSON.stringify(reply.digest)}`;
  if (reply.total !== undefined) tail += `,"total":${JSON.stringify(reply.total)}`;
  if (reply.message !== undefined) tail += `,"message":${escapeJson(JSON.stringify(reply.message))}`;
  res.end(`${tail}}`);
}

/** Resolves when the socket wants more, or when it is gone (then the loop above stops). */
function waitForDrain(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}
