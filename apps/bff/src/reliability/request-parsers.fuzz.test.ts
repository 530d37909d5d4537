/**
 * Issue 6: property tests for the bff's own parsing of untrusted requests, below
 * the HTTP level that route-fuzz.test.ts covers: the Cookie header, the PBS
 * parameter helpers, and the JSON/form body parsing middleware (run on a plain
 * loopback HTTP server). None may throw anything but a 4xx-mapped error.
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { LEGACY_TICKET_COOKIE, TICKET_COOKIE, readCookieTickets, selectCookieTicket } from "../cookies.js";
import { ApiError } from "../errors.js";
import { createBodyParsing } from "../middleware/body-parsing.js";
import { describeError } from "../middleware/error-handler.js";
import { formInteger, mergeParameterSources, parseParams, pbsBoolean, propertyList, text, toPlainRecord } from "../params.js";

const SEED = Number(process.env.GATEHOUSE_FUZZ_SEED ?? 0xb0d1);
let casesRun = 0;

function check<T>(property: fc.IProperty<T>, numRuns: number): void {
  fc.assert(property, { seed: SEED, numRuns });
  casesRun += numRuns;
}

async function checkAsync<T>(property: fc.IAsyncProperty<T>, numRuns: number): Promise<void> {
  await fc.assert(property, { seed: SEED, numRuns });
  casesRun += numRuns;
}

afterAll(() => {
  console.info(`request-parsers.fuzz: ${casesRun} cases, fast-check seed ${SEED} (GATEHOUSE_FUZZ_SEED replays another)`);
});

describe("the Cookie header", () => {
  const cookieName = fc
    .oneof(
      fc.constantFrom(
        "theme",
        "__Host-PBSAuthCookie2",
        "x__Host-PBSAuthCookie",
        "__host-pbsauthcookie",
        "PBSAuthCookieX",
        "pbsauthcookie",
        "__Secure-PBSAuthCookie",
      ),
      fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/),
    )
    .filter((name) => name !== TICKET_COOKIE && name !== LEGACY_TICKET_COOKIE);
  const cookieValue = fc.stringMatching(/^[A-Za-z0-9!#$&'()*+\-./:<=>?@[\]^_`{|}~]{0,40}$/);
  const otherCookies = fc.array(
    fc.tuple(cookieName, cookieValue).map(([name, value]) => `${name}=${value}`),
    { maxLength: 6 },
  );
  const ticket = fc.stringMatching(/^PBS:[a-z]{1,8}@pbs:[0-9A-F]{8}::[A-Za-z0-9+/]{10,86}$/);

  test("the ticket cookies are found anywhere among other cookies, and no look-alike name counts", () => {
    check(
      fc.property(
        otherCookies,
        otherCookies,
        ticket,
        ticket,
        fc.boolean(),
        fc.boolean(),
        (before, after, hostTicket, legacyTicket, withHost, withLegacy) => {
          const pairs = [...before];
          if (withLegacy) pairs.push(`${LEGACY_TICKET_COOKIE}=${legacyTicket}`);
          pairs.push(...after);
          if (withHost) pairs.splice(Math.floor(pairs.length / 2), 0, `${TICKET_COOKIE}=${hostTicket}`);
          const tickets = readCookieTickets(pairs.join("; "));
          expect(tickets).toEqual({ ticket: withHost ? hostTicket : null, legacyTicket: withLegacy ? legacyTicket : null });
          // The __Host- cookie wins wherever it stands, then the legacy one.
          expect(selectCookieTicket(tickets)?.value ?? null).toBe(withHost ? hostTicket : withLegacy ? legacyTicket : null);
        },
      ),
      1500,
    );
  });

  test("spacing around separators does not change what is read", () => {
    check(
      fc.property(ticket, fc.constantFrom(";", "; ", " ;  ", ";\t"), fc.constantFrom("", " ", "  "), (value, separator, pad) => {
        const header = ["a=1", `${pad}${TICKET_COOKIE}=${value}${pad}`, "b=2"].join(separator);
        expect(readCookieTickets(header).ticket).toBe(value);
      }),
      300,
    );
  });
});

describe("PBS parameter helpers", () => {
  const anyValue = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom<unknown>(
      "1",
      "0",
      "TRUE",
      " yes ",
      "On",
      "off",
      "2",
      "",
      "01",
      "-0",
      "1e3",
      "0x10",
      " 12 ",
      undefined,
      NaN,
      Infinity,
      -0,
    ),
    fc.string({ unit: "binary", maxLength: 20 }),
  );

  test("pbsBoolean and formInteger never throw, and accept exactly what the wire contract allows", () => {
    const flag = z.strictObject({ v: pbsBoolean() });
    const integer = z.strictObject({ v: formInteger({ min: -5, max: 1_000 }) });
    check(
      fc.property(anyValue, (value) => {
        const asFlag = flag.safeParse({ v: value });
        const word = typeof value === "string" ? value.trim().toLowerCase() : null;
        const isTrue = value === true || value === 1 || ["1", "true", "yes", "on"].includes(word ?? "-");
        const isFalse = value === false || value === 0 || ["0", "false", "no", "off"].includes(word ?? "-");
        expect(asFlag.success).toBe(isTrue || isFalse);
        if (asFlag.success) expect(asFlag.data.v).toBe(isTrue);

        const asInteger = integer.safeParse({ v: value });
        const expected =
          typeof value === "number" && Number.isSafeInteger(value)
            ? value
            : typeof value === "string" && /^-?\d{1,16}$/.test(value.trim())
              ? Number(value.trim())
              : null;
        const inRange = expected !== null && expected >= -5 && expected <= 1_000;
        expect(asInteger.success).toBe(inRange);
        if (asInteger.success) expect(asInteger.data.v).toBe(expected);
      }),
      3000,
    );
  });

  test("text bounds length and refuses control and bidi override characters unless multi-line", () => {
    const single = z.strictObject({ v: text({ min: 1, max: 20 }) });
    const multi = z.strictObject({ v: text({ max: 20, multiLine: true }) });
    check(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 30 }), anyValue), (value) => {
        const isString = typeof value === "string";
        const fits = isString && value.length >= 1 && value.length <= 20;
        // eslint-disable-next-line no-control-regex -- the rule under test
        expect(single.safeParse({ v: value }).success).toBe(fits && !/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(value));
        expect(multi.safeParse({ v: value }).success).toBe(isString && value.length <= 20);
      }),
      2000,
    );
  });

  test("propertyList yields only allowed names, each once, or a parameter error", () => {
    const list = z.strictObject({ v: propertyList(["comment", "email", "firstname"]) });
    const part = fc.oneof(fc.constantFrom("comment", "email", "firstname", "bogus", "", ",", " ; "), fc.string({ maxLength: 10 }));
    check(
      fc.property(
        fc.oneof(
          fc.array(part, { maxLength: 5 }).map((parts) => parts.join(",")),
          fc.array(part, { maxLength: 5 }),
          anyValue,
        ),
        (value) => {
          const parsed = list.safeParse({ v: value });
          if (!parsed.success) return;
          expect(new Set(parsed.data.v).size).toBe(parsed.data.v.length);
          for (const name of parsed.data.v) expect(["comment", "email", "firstname"]).toContain(name);
        },
      ),
      2000,
    );
  });

  test("merging sources never changes Object.prototype and refuses exactly the repeated keys", () => {
    const key = fc.oneof(
      fc.constantFrom("__proto__", "constructor", "prototype", "toString", "a", "b", "hasOwnProperty"),
      fc.string({ maxLength: 6 }),
    );
    const source = fc
      .array(fc.tuple(key, fc.jsonValue({ maxDepth: 2 })), { maxLength: 5 })
      .map((pairs) => toPlainRecord(JSON.parse(JSON.stringify(Object.fromEntries(pairs))) as unknown));
    check(
      fc.property(source, source, source, (query, body, path) => {
        const keys = [query, body, path].flatMap((record) => Object.keys(record));
        const repeated = keys.some((k, index) => keys.indexOf(k) !== index);
        try {
          const merged = mergeParameterSources(query, body, path);
          expect(repeated).toBe(false);
          expect(Object.keys(merged).sort()).toEqual([...keys].sort());
          parseParams(z.strictObject({ a: text({ max: 5 }).optional() }), merged);
        } catch (error) {
          expect(error).toBeInstanceOf(ApiError);
          expect((error as ApiError).status).toBe(400);
        }
        expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain("polluted");
        expect(({} as Record<string, unknown>).a).toBeUndefined();
      }),
      2000,
    );
  });
});

describe("JSON and form body parsing", () => {
  const LIMIT_BYTES = 2048;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    const parse = createBodyParsing({ limitBytes: LIMIT_BYTES });
    server = createServer((req, res) => {
      parse(req as never, res as never, (error?: unknown) => {
        const status = error === undefined ? 200 : describeError(error).status;
        const code = error instanceof ApiError ? error.code : error === undefined ? "OK" : "OTHER";
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify({ code, body: (req as { body?: unknown }).body ?? null }));
      });
    });
    await new Promise<void>((resolveListen) => server.listen(0, "127.0.0.1", resolveListen));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolveClose) => server?.close(resolveClose));
  });

  function post(headers: Record<string, string>, body: Buffer): Promise<{ status: number; code: string; body: unknown }> {
    return new Promise((resolvePost, rejectPost) => {
      const req = request(
        { host: "127.0.0.1", port, method: "POST", path: "/", headers: { ...headers, "content-length": String(body.length) } },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (text += chunk));
          res.on("end", () => {
            const parsed = JSON.parse(text) as { code: string; body: unknown };
            resolvePost({ status: res.statusCode ?? 0, ...parsed });
          });
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error("body parsing hung")));
      req.on("error", rejectPost);
      req.end(body);
    });
  }

  test("any body, content type and encoding is parsed or refused with a 4xx, never a 5xx or a hang", async () => {
    const contentType = fc.constantFrom(
      "application/json",
      "application/json; charset=utf-8",
      "application/json; charset=latin1",
      "application/json; charset=utf-16",
      "application/x-www-form-urlencoded",
      "application/x-www-form-urlencoded; charset=iso-8859-1",
      "text/plain",
      "application/*+json",
      "",
    );
    const bodyBytes = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }).map((value) => Buffer.from(JSON.stringify(value))),
      fc
        .dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }))
        .map((record) => Buffer.from(new URLSearchParams(record).toString())),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      fc.integer({ min: 201, max: 260 }).map((n) => Buffer.from(Array.from({ length: n }, (_, i) => `k${i}=v`).join("&"))),
      fc
        .integer({ min: LIMIT_BYTES - 10, max: LIMIT_BYTES + 10 })
        .map((n) => Buffer.from(JSON.stringify({ a: "x".repeat(Math.max(0, n - 8)) }))),
    );
    const encoding = fc.constantFrom<string | null>(null, null, null, "identity", "gzip", "deflate", "br", "x-garbage");
    const seen = new Map<string, number>();
    await checkAsync(
      fc.asyncProperty(contentType, encoding, bodyBytes, async (type, contentEncoding, bytes) => {
        const headers: Record<string, string> = {};
        if (type !== "") headers["content-type"] = type;
        if (contentEncoding !== null) headers["content-encoding"] = contentEncoding;
        const result = await post(headers, bytes);
        seen.set(result.code, (seen.get(result.code) ?? 0) + 1);
        expect(result.status, `${type} ${contentEncoding} ${bytes.length} bytes -> ${result.code}`).toBeLessThan(500);
        if (result.status === 200 && result.body !== null) {
          // A parsed body is whatever JSON/form gives; the app refuses non-objects later with BODY_NOT_OBJECT.
          expect(["object", "string", "number", "boolean"]).toContain(typeof result.body);
        }
        if (bytes.length > LIMIT_BYTES && /^application\/(json|x-www-form-urlencoded)(;|$)/.test(type) && contentEncoding === null) {
          // An unsupported charset is refused (415) before the size is counted.
          expect([413, 415]).toContain(result.status);
        }
      }),
      1500,
    );
    for (const code of ["OK", "BODY_MALFORMED", "BODY_TOO_LARGE", "UNSUPPORTED_ENCODING"])
      expect(seen.get(code) ?? 0, code).toBeGreaterThan(0);
  });
});
