import { Writable } from "node:stream";
import { describe, expect, test } from "vitest";
import { createLogger, stripQuery } from "./logger.js";

function captureLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString("utf8"));
      callback();
    },
  });
  return { logger: createLogger({ level: "info", destination }), lines };
}

describe("createLogger", () => {
  test("credential fields are censored at the top level and when nested", () => {
    const { logger, lines } = captureLogger();
    logger.info(
      {
        password: "pw-top",
        req: { headers: { cookie: "__Host-PBSAuthCookie=tkt-1", authorization: "PBSAPIToken=a@pbs!t:sec-1" } },
        body: { ticket: "tkt-2", CSRFPreventionToken: "csrf-1", value: "sec-2" },
        err: { cause: { detail: { secret: "sec-3", "Set-Cookie": "tkt-3" } } },
        path: "/api2/json/version",
      },
      "request",
    );
    const text = lines.join("");
    for (const leaked of ["pw-top", "tkt-1", "sec-1", "tkt-2", "csrf-1", "sec-2", "sec-3", "tkt-3"]) {
      expect(text).not.toContain(leaked);
    }
    expect(text).toContain("/api2/json/version");
    expect(text).toContain("[redacted]");
  });
});

describe("stripQuery", () => {
  test("drops the query string and keeps the path", () => {
    expect(stripQuery("/api2/json/access/permissions?auth-id=a@pbs")).toBe("/api2/json/access/permissions");
    expect(stripQuery("/api2/json/version")).toBe("/api2/json/version");
  });
});
