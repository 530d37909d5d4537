import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EXTJS_FORMATTER, formatErrorText, JSON_FORMATTER, type ApiFormatter } from "./formatters.js";
import { sendReply, STREAMED_REPLY_MIN_ROWS } from "./send-reply.js";

const ROWS = Array.from({ length: STREAMED_REPLY_MIN_ROWS + 234 }, (_, index) => ({ tokenid: `t${index}@pbs!x`, comment: "<&>" }));

let server: Server;
let baseUrl: string;

beforeAll(async () => {
  const app = express();
  app.set("json escape", true);
  const mount = (path: string, formatter: ApiFormatter, rows: unknown[]) =>
    app.get(path, (_req, res) => sendReply(res, { data: rows, digest: "d".repeat(64), total: rows.length }, formatter));
  mount("/json/big", JSON_FORMATTER, ROWS);
  mount("/extjs/big", EXTJS_FORMATTER, ROWS);
  mount("/json/small", JSON_FORMATTER, ROWS.slice(0, 2));
  mount("/extjs/small", EXTJS_FORMATTER, ROWS.slice(0, 2));
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe("success bodies in both formats, small and streamed (formatter.rs)", () => {
  test.each(["small", "big"])("%s: json is {data, digest, total}; extjs adds success and status", async (size) => {
    const rows = size === "big" ? ROWS : ROWS.slice(0, 2);
    const json = (await (await fetch(`${baseUrl}/json/${size}`)).json()) as Record<string, unknown>;
    expect(json).toEqual({ data: rows, digest: "d".repeat(64), total: rows.length });
    const response = await fetch(`${baseUrl}/extjs/${size}`);
    const text = await response.text();
    // Escaped like every other reply: no markup characters in the body.
    expect(text).not.toMatch(/[<>&]/);
    expect(JSON.parse(text)).toEqual({ success: true, status: 200, data: rows, digest: "d".repeat(64), total: rows.length });
  });
});

describe("formatErrorText (PBS's JSON formatter body)", () => {
  test("is the message, or proxmox-schema's ParameterError text", () => {
    expect(formatErrorText({ status: 403, message: "permission check failed" })).toBe("permission check failed");
    expect(formatErrorText({ status: 400, message: "x", errors: { a: "bad", b: "worse" } })).toBe(
      "parameter verification errors\n\nparameter 'a': bad\nparameter 'b': worse\n",
    );
  });
});
