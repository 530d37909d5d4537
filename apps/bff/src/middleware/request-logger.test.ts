import { EventEmitter } from "node:events";
import { Writable } from "node:stream";
import type { Request, Response } from "express";
import { describe, expect, test } from "vitest";
import { createLogger } from "../logger.js";
import { createRequestLogger } from "./request-logger.js";

function captureLogger(level: "info" | "warn") {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString("utf8"));
      callback();
    },
  });
  return { logger: createLogger({ level, destination }), lines };
}

/** Just enough of a request and response for the middleware: it reads fields and waits for `finish`. */
function fakeExchange(originalUrl: string) {
  const req = {
    method: "GET",
    originalUrl,
    headers: { cookie: "__Host-PBSAuthCookie=PBS:tkt-secret", authorization: "PBSAPIToken=a@pbs!t:sec-secret" },
  };
  const res = Object.assign(new EventEmitter(), { statusCode: 200 });
  return { req: req as unknown as Request, res: res as unknown as Response & EventEmitter };
}

async function flushLog(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

describe("createRequestLogger", () => {
  test("logs method, path without the query string, status and duration once the response finishes", async () => {
    const { logger, lines } = captureLogger("info");
    const middleware = createRequestLogger({ logger });
    const { req, res } = fakeExchange("/api2/json/access/permissions?auth-id=a@pbs&password=pw-secret");
    let nextCalls = 0;
    middleware(req, res, () => nextCalls++);
    expect(nextCalls).toBe(1);
    expect(lines).toEqual([]);
    res.statusCode = 403;
    res.emit("finish");
    await flushLog();
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? "{}") as Record<string, unknown>;
    expect(line).toMatchObject({ msg: "request", method: "GET", path: "/api2/json/access/permissions", status: 403 });
    expect(typeof line.ms).toBe("number");
    for (const leaked of ["pw-secret", "tkt-secret", "sec-secret", "auth-id"]) expect(lines[0]).not.toContain(leaked);
  });

  test("does nothing per request when info is not logged", async () => {
    const { logger, lines } = captureLogger("warn");
    const middleware = createRequestLogger({ logger });
    const { req, res } = fakeExchange("/api2/json/version");
    middleware(req, res, () => undefined);
    expect(res.listenerCount("finish")).toBe(0);
    res.emit("finish");
    await flushLog();
    expect(lines).toEqual([]);
  });

  test("keeps the logger's redaction for every other log call", async () => {
    const { logger, lines } = captureLogger("info");
    createRequestLogger({ logger });
    logger.info({ password: "pw-top" }, "other");
    await flushLog();
    expect(lines.join("")).not.toContain("pw-top");
  });
});
