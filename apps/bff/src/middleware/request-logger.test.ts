import { EventEmitter } from "node:events";
import { Writable } from "node:stream";
import type { Request, Response } from "express";
import { describe, expect, test } from "vitest";
import { createLogger } from "../logger.js";
import { ServerMetrics } from "../metrics.js";
import { createRequestLogger, readRequestId } from "./request-logger.js";

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
  const headers = new Map<string, string>();
  const res = Object.assign(new EventEmitter(), {
    statusCode: 200,
    headers,
    setHeader(name: string, value: string) {
      headers.set(name.toLowerCase(), value);
    },
  });
  return { req: req as unknown as Request, res: res as unknown as Response & EventEmitter & { headers: Map<string, string> } };
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
    // The id in the line is the one the response carried.
    expect(line.reqId).toBe(res.headers.get("x-request-id"));
    expect(readRequestId(res)).toBe(line.reqId);
    expect(typeof line.ms).toBe("number");
    for (const leaked of ["pw-secret", "tkt-secret", "sec-secret", "auth-id"]) expect(lines[0]).not.toContain(leaked);
  });

  test("gives every request its own id in X-Request-Id", () => {
    const { logger } = captureLogger("warn");
    const middleware = createRequestLogger({ logger });
    const ids = new Set<string>();
    for (let i = 0; i < 100; i += 1) {
      const { req, res } = fakeExchange("/api2/json/version");
      middleware(req, res, () => undefined);
      ids.add(res.headers.get("x-request-id") ?? "");
    }
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("counts the request's duration by method, route pattern and status, whatever the log level", async () => {
    const { logger } = captureLogger("warn");
    const metrics = new ServerMetrics({
      readAuth: () => {
        throw new Error("not read here");
      },
      eventLoop: null,
      worker: "1",
    });
    const middleware = createRequestLogger({ logger, metrics });
    const { req, res } = fakeExchange("/api2/json/access/users/a@pbs?x=1");
    (req as unknown as { route: { path: string } }).route = { path: "/access/users/:userid" };
    middleware(req, res, () => undefined);
    res.statusCode = 404;
    res.emit("finish");
    const { req: other, res: otherRes } = fakeExchange("/favicon.ico");
    middleware(other, otherRes, () => undefined);
    otherRes.emit("finish");
    const text = await metrics.registry.getSingleMetricAsString("gatehouse_http_request_duration_seconds");
    expect(text).toContain('gatehouse_http_request_duration_seconds_count{method="GET",route="/access/users/:userid",status="404"} 1');
    expect(text).toContain('gatehouse_http_request_duration_seconds_count{method="GET",route="unmatched",status="200"} 1');
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
