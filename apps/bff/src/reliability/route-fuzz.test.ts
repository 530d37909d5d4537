/**
 * Issue 6: every route of the real server under random methods, request targets,
 * headers and bodies (fast-check). Requests come with no credentials, broken
 * ones, or valid ones (a cookie session with its CSRF token, an Admin API token),
 * so the handlers behind authentication are reached too. The server must answer
 * every request with a status below 500, in bounded time, with the security
 * headers, and with the standard error shape on the API; afterwards it must still
 * serve and must have logged no failed request.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { tokenHeaders } from "../test-support/https-client.js";
import { createToken, createUser, grantRole, logIn, type Session } from "../test-support/sessions.js";
import { TEST_ADMIN, startTestServer, type TestServer } from "../test-support/test-server.js";
import { RawHttpsClient, type RawRequest } from "./raw-client.js";
import { listServedRoutes } from "./router-routes.js";

const SEED = Number(process.env.GATEHOUSE_FUZZ_SEED ?? 0xf022);
const NUM_RUNS = 4000;
/** The per-address failure throttle would turn most later requests into 429s; spread them over addresses. */
const SOURCE_ADDRESSES = 48;
/** A hang is a failure: no request may take longer. */
const REQUEST_TIMEOUT_MS = 10_000;
const TEST_TIMEOUT_MS = 300_000;
const TARGET_USER = "fuzz-target@pbs";

let server: TestServer;
let session: Session;
let token: { tokenid: string; secret: string };
const clients: RawHttpsClient[] = [];

beforeAll(async () => {
  server = await startTestServer();
  session = await logIn(server.client);
  token = await createToken(session, TEST_ADMIN, "fuzz");
  await grantRole(session, token.tokenid, "Admin");
  await createUser(session, TARGET_USER, "fuzz target password");
  for (let i = 1; i <= SOURCE_ADDRESSES; i += 1) {
    clients.push(new RawHttpsClient(server.baseUrl, server.certPem, { localAddress: `127.0.1.${i}`, timeoutMs: REQUEST_TIMEOUT_MS }));
  }
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await server?.stop();
});

// --- generators -----------------------------------------------------------------------

/** Percent-encodes what may not appear raw in a request target; a lone surrogate becomes its WTF-8 bytes. */
function encodeSegment(value: string): string {
  let out = "";
  for (const char of value) {
    if (/^[A-Za-z0-9\-._~!$&'()*+,;=:@]$/.test(char)) out += char;
    else if (/^[\ud800-\udfff]$/.test(char)) out += "%ED%A0%80";
    else out += encodeURIComponent(char);
  }
  return out;
}

const PARAM_NAMES = [
  "userid",
  "password",
  "comment",
  "enable",
  "expire",
  "digest",
  "regenerate",
  "delete",
  "path",
  "role",
  "auth-id",
  "propagate",
  "include_tokens",
  "http-only",
  "username",
  "realm",
  "exact",
  "tokenname",
  "firstname",
  "lastname",
  "email",
  "_dc",
  "__proto__",
  "constructor",
  "toString",
  "",
] as const;

const idValue = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      TARGET_USER,
      "nobody@pbs",
      "root@pam",
      "a@b",
      "x@pbs!tok",
      `${TARGET_USER}!t1`,
      "ü@pbs",
      "😀@pbs",
      "fuzz-new@pbs",
    ),
  },
  { weight: 2, arbitrary: fc.constantFrom("t1", "t2", "new", "..", ".", "__proto__", "constructor", "a b", "%", "a/b") },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 60, maxLength: 400 }) },
);

/** A path segment: usually encoded, sometimes with a raw or broken escape left in. */
const segment = fc.oneof(
  { weight: 6, arbitrary: idValue.map(encodeSegment) },
  { weight: 1, arbitrary: fc.constantFrom("%", "%E0%A4%A", "%zz", "%00", "%2F", "%2e%2e", "", ";x", "a%20b") },
);

// Taken from the live router, so a route mounted outside the API table (GET /metrics) is fuzzed too.
const SERVED_ROUTES = (await listServedRoutes()).routes;
const ROUTE_TEMPLATES = [...new Set(SERVED_ROUTES.map((route) => route.path))];

function fillTemplate(template: string, values: string[]): string {
  let index = 0;
  return template.replace(/:\w+/g, () => values[index++ % values.length] ?? "x");
}

const TOKEN_PATH = "/api2/json/access/users/:userid/token/:tokenname";
/**
 * The parameters each route takes, so that some bodies are plausible enough to get
 * past validation into the facade. Only a hint for the generator: if it drifts from
 * the routes, coverage drops, and the template-hit check below still holds.
 */
const ROUTE_PARAMS: Record<string, readonly string[]> = {
  "GET /api2/json/access/users": ["include_tokens"],
  "POST /api2/json/access/users": ["userid", "password", "enable", "expire", "comment", "firstname", "lastname", "email"],
  "PUT /api2/json/access/users/:userid": ["password", "enable", "expire", "comment", "firstname", "email", "delete", "digest"],
  "DELETE /api2/json/access/users/:userid": ["digest"],
  "PUT /api2/json/access/password": ["userid", "password", "confirmation-password"],
  [`POST ${TOKEN_PATH}`]: ["comment", "enable", "expire"],
  [`PUT ${TOKEN_PATH}`]: ["comment", "enable", "expire", "delete", "regenerate", "digest"],
  [`DELETE ${TOKEN_PATH}`]: ["digest"],
  "GET /api2/json/access/acl": ["path", "exact"],
  "PUT /api2/json/access/acl": ["path", "role", "auth-id", "propagate", "delete", "digest", "group"],
  "GET /api2/json/access/permissions": ["auth-id", "path"],
  "POST /api2/json/access/ticket": ["username", "password", "http-only", "path", "privs", "port"],
};

const BOOLEANS = fc.constantFrom<unknown>("1", "0", "true", "false", "True", true, false, 1, 0, "maybe");
const PLAUSIBLE_VALUES: Record<string, fc.Arbitrary<unknown>> = {
  userid: fc.constantFrom(TARGET_USER, "fuzz-new@pbs", "fuzz-other@pbs", "nobody@pbs", "bad"),
  username: fc.constantFrom(TARGET_USER, "fuzz-target", "nobody@pbs", "admin"),
  realm: fc.constantFrom("pbs", "pam", "x"),
  password: fc.constantFrom("fuzz target password", "fuzz password 2", "abc", "", "p".repeat(2000)),
  enable: BOOLEANS,
  exact: BOOLEANS,
  propagate: BOOLEANS,
  regenerate: BOOLEANS,
  include_tokens: BOOLEANS,
  "http-only": BOOLEANS,
  expire: fc.constantFrom<unknown>(0, "0", 4_102_444_800, "4102444800", -1, "1e3", 1.5, 253_402_300_800),
  comment: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom("line\nbreak", "c".repeat(300))),
  firstname: fc.string({ maxLength: 20 }),
  email: fc.constantFrom("a@example.com", "not-an-email", ""),
  delete: fc.constantFrom<unknown>("comment", "comment,email", ["comment", "firstname"], "bogus", true, "1", "0"),
  digest: fc.constantFrom("0".repeat(64), "xyz", "F".repeat(64)),
  path: fc.constantFrom("/", "/access", "/access/users", "/access/acl", "/system", "/nope", "//", "/access/../system", "access"),
  role: fc.constantFrom("Admin", "Audit", "NoAccess", "Root"),
  "auth-id": fc.constantFrom(TARGET_USER, `${TARGET_USER}!t1`, `${TARGET_USER}!t2`, "nobody@pbs", "nobody@pbs!x"),
};

function plausibleParams(keys: readonly string[]): fc.Arbitrary<[string, unknown][]> {
  if (keys.length === 0) return fc.constant([]);
  return fc
    .subarray([...keys])
    .chain((chosen) =>
      fc.tuple(...chosen.map((key) => (PLAUSIBLE_VALUES[key] ?? paramValue).map((value): [string, unknown] => [key, value]))),
    );
}

const plausibleSegments = fc.record({
  userid: fc.constantFrom(TARGET_USER, TARGET_USER, "fuzz-new@pbs", "nobody@pbs"),
  tokenname: fc.constantFrom("t1", "t2", "t3"),
});

function fillTemplateByName(template: string, values: Record<string, string>): string {
  return template.replace(/:(\w+)/g, (_match, name: string) => encodeSegment(values[name] ?? "x"));
}

/** Method and target: mostly a real route with its own method, so handlers are reached. */
const target = fc.oneof(
  {
    weight: 7,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...SERVED_ROUTES),
        fc.array(segment, { minLength: 3, maxLength: 3 }),
        plausibleSegments,
        fc.integer({ min: 0, max: 9 }),
      )
      .map(([route, values, plausible, roll]) => {
        const method = roll < 8 ? route.method : "GET";
        // Half the time the path names a real user and token names that may exist.
        const path = roll % 2 === 0 ? fillTemplateByName(route.path, plausible) : fillTemplate(route.path, values);
        return { method, path, keys: ROUTE_PARAMS[`${method} ${route.path}`] ?? [] };
      }),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.oneof(
          { weight: 8, arbitrary: fc.constantFrom("GET", "POST", "PUT", "DELETE") },
          { weight: 1, arbitrary: fc.constantFrom("PATCH", "HEAD", "OPTIONS", "PROPFIND", "get", "TRACE-ISH", "M-SEARCH") },
        ),
        fc.oneof(
          fc
            .tuple(fc.constantFrom(...ROUTE_TEMPLATES), fc.array(segment, { minLength: 3, maxLength: 3 }))
            .map(([t, v]) => fillTemplate(t, v)),
          fc.array(segment, { maxLength: 5 }).map((parts) => `/api2/json/${parts.join("/")}`),
          fc.constantFrom(
            "/",
            "/index.html",
            "/assets/x.js",
            "/api2",
            "/api2/json",
            "/api2/json/",
            "//api2/json/version",
            "/api2/json/version/",
            "/API2/JSON/version",
            "/api2/json/access/../version",
            "/favicon.ico",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/api2/json/access/users/%",
            "/tokens",
            "/login",
          ),
        ),
      )
      .map(([method, path]) => ({ method, path, keys: [] as readonly string[] })),
  },
);

const headerText = (maxLength: number) =>
  fc.string({
    unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff })).map((c) => String.fromCharCode(c)),
    maxLength,
  });

const paramValue: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      "1",
      "0",
      "true",
      "false",
      "yes",
      "Admin",
      "Audit",
      "NoAccess",
      "/",
      "/access",
      "/system",
      TARGET_USER,
      `${TARGET_USER}!t1`,
      "comment",
      "a".repeat(64),
      "0".repeat(64),
      "fuzz password",
    ),
  },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 60 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 200, maxLength: 5000 }) },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.double({ noNaN: true, noDefaultInfinity: true })) },
  { weight: 1, arbitrary: fc.array(fc.oneof(fc.string({ maxLength: 20 }), fc.integer()), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

const paramKey = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...PARAM_NAMES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
);
const params = fc.array(fc.tuple(paramKey, paramValue), { maxLength: 6 });

function formOf(pairs: [string, unknown][]): string {
  const form = new URLSearchParams();
  for (const [key, value] of pairs) {
    for (const item of Array.isArray(value) ? value : [value]) form.append(key, typeof item === "string" ? item : JSON.stringify(item));
  }
  // URLSearchParams turns a lone surrogate into U+FFFD; what is sent is always well-formed.
  return form.toString();
}

const query = fc.oneof({ weight: 4, arbitrary: fc.constant("") }, { weight: 1, arbitrary: params.map((pairs) => `?${formOf(pairs)}`) });

type BodyKind = "none" | "json-params" | "json-any" | "form" | "raw" | "truncated-json" | "huge";
interface FuzzBody {
  kind: BodyKind;
  text: string | undefined;
}

function bodyOf(kind: BodyKind, text?: string): FuzzBody {
  return { kind, text };
}

const body: fc.Arbitrary<FuzzBody> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(bodyOf("none")) },
  { weight: 4, arbitrary: params.map((pairs) => bodyOf("json-params", JSON.stringify(Object.fromEntries(pairs)))) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => bodyOf("json-any", JSON.stringify(value))) },
  { weight: 3, arbitrary: params.map((pairs) => bodyOf("form", formOf(pairs))) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 200 }).map((text) => bodyOf("raw", text)) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('{"userid": "a', "{", "[1,2", '{"a":1}{"b":2}', "a=%zz&b", "%", "\u0000")
      .map((text) => bodyOf("truncated-json", text)),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 60_000, max: 80_000 }).map((size) => bodyOf("huge", JSON.stringify({ comment: "a".repeat(size) }))),
  },
);

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=latin1",
  "application/json; charset=utf-16",
  "application/x-www-form-urlencoded",
  "application/x-www-form-urlencoded; charset=UTF-8",
  "application/x-www-form-urlencoded; charset=koi8-r",
  "multipart/form-data; boundary=x",
  "text/plain",
  "application/xml",
  "application/*",
  "*/*",
  "garbage",
  "",
];

type Credential = "none" | "cookie" | "cookie-no-csrf" | "token" | "garbage";

interface FuzzCase {
  method: string;
  path: string;
  credential: Credential;
  garbageHeaders: [string, string][];
  contentType: string | null;
  contentEncoding: string | null;
  body: FuzzBody;
  source: number;
}

/** The content type a body of this kind would honestly carry. */
function contentTypeFor(kind: BodyKind): string | null {
  if (kind === "form") return "application/x-www-form-urlencoded";
  if (kind === "none") return null;
  return "application/json";
}

const fuzzCase: fc.Arbitrary<FuzzCase> = fc
  .tuple(target, query)
  .chain(([t, q]) =>
    fc.record({
      target: fc.constant({ method: t.method, path: t.path + q }),
      credential: fc.constantFrom<Credential>("none", "cookie", "cookie", "cookie", "cookie-no-csrf", "token", "token", "token", "garbage"),
      garbageHeaders: fc.oneof(
        { weight: 3, arbitrary: fc.constant<[string, string][]>([]) },
        {
          weight: 1,
          arbitrary: fc.array(
            fc.tuple(
              fc.constantFrom(
                "cookie",
                "authorization",
                "csrfpreventiontoken",
                "x-forwarded-for",
                "accept",
                "accept-encoding",
                "origin",
                "referer",
                "x-gatehouse-worker",
                "range",
                "if-none-match",
              ),
              headerText(300),
            ),
            { minLength: 1, maxLength: 3 },
          ),
        },
      ),
      contentType: fc.oneof(
        { weight: 4, arbitrary: fc.constant("honest") },
        { weight: 1, arbitrary: fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: null }) },
      ),
      contentEncoding: fc.oneof(
        { weight: 12, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.constantFrom("gzip", "deflate", "br", "identity", "x-garbage") },
      ),
      body:
        t.keys.length === 0
          ? body
          : fc.oneof(
              { weight: 1, arbitrary: body },
              {
                weight: 2,
                arbitrary: fc
                  .tuple(plausibleParams(t.keys), fc.boolean())
                  .map(([pairs, asForm]) =>
                    asForm ? bodyOf("form", formOf(pairs)) : bodyOf("json-params", JSON.stringify(Object.fromEntries(pairs))),
                  ),
              },
            ),
      source: fc.nat({ max: SOURCE_ADDRESSES - 1 }),
    }),
  )
  .map(({ target: t, contentType, ...rest }) => ({
    ...rest,
    method: t.method,
    path: t.path,
    contentType: contentType === "honest" ? contentTypeFor(rest.body.kind) : contentType,
  }));

function buildRequest(c: FuzzCase): RawRequest {
  const headers: Record<string, string> = {};
  if (c.credential === "cookie" || c.credential === "cookie-no-csrf") headers.cookie = `__Host-PBSAuthCookie=${session.ticket}`;
  if (c.credential === "cookie") headers.csrfpreventiontoken = session.csrf;
  if (c.credential === "token") Object.assign(headers, tokenHeaders(token.tokenid, token.secret));
  for (const [name, value] of c.garbageHeaders) headers[name] = value;
  if (c.contentType !== null) headers["content-type"] = c.contentType;
  if (c.contentEncoding !== null) headers["content-encoding"] = c.contentEncoding;
  const hasBody = c.body.text !== undefined && c.method !== "HEAD" && c.method !== "GET";
  return { method: c.method, path: c.path, headers, ...(hasBody ? { body: c.body.text } : {}) };
}

/**
 * Node's HTTP parser refuses some requests (an unknown method, oversized headers)
 * with a bare status line before Express sees them: no body, no headers of ours.
 */
function isParserReply(response: { status: number; text: string; headers: Record<string, unknown> }): boolean {
  return response.status >= 400 && response.status < 500 && response.text === "" && response.headers["content-type"] === undefined;
}

function matchesTemplate(template: string, path: string): boolean {
  return new RegExp(`^${template.replace(/:\w+/g, "[^/?]+")}(\\?|$)`).test(path);
}

function isApiPath(path: string): boolean {
  return path.startsWith("/api2/json/") || path === "/api2/json";
}

describe("random requests against every route of the real server (issue 6)", () => {
  test(
    "no 5xx, no crash and no hang, with security headers and PBS's error body",
    async () => {
      const statuses = new Map<number, number>();
      const templateHits = new Map<string, number>(ROUTE_TEMPLATES.map((template) => [template, 0]));
      let sent = 0;
      let parserReplies = 0;
      await fc.assert(
        fc.asyncProperty(fuzzCase, async (c) => {
          const request = buildRequest(c);
          const client = clients[c.source] ?? clients[0];
          if (client === undefined) throw new Error("no client");
          const response = await client.send(request);
          sent += 1;
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          for (const template of ROUTE_TEMPLATES) {
            if (matchesTemplate(template, c.path)) templateHits.set(template, (templateHits.get(template) ?? 0) + 1);
          }
          const where = `${c.method} ${c.path.slice(0, 200)} -> ${response.status} ${response.text.slice(0, 200)}`;
          expect(response.status, where).toBeLessThan(500);
          if (isParserReply(response)) {
            parserReplies += 1;
            return;
          }
          expect(response.headers["content-security-policy"], where).toContain("object-src 'none'");
          if (isApiPath(c.path) && c.method !== "HEAD" && response.status >= 400) {
            if (String(response.headers["content-type"]).startsWith("text/plain")) {
              // PBS's JSON formatter: the error is the bare message (formatters.ts).
              expect(response.text.trim(), where).not.toBe("");
            } else {
              // Refused by Node's HTTP parser before any route (server.ts), where no format is known yet.
              expect(response.json, where).toMatchObject({
                data: null,
                message: expect.stringMatching(/^(malformed HTTP request|request headers too large)$/) as unknown,
              });
            }
          }
        }),
        { seed: SEED, numRuns: NUM_RUNS },
      );
      const byStatus = [...statuses]
        .sort(([a], [b]) => a - b)
        .map(([status, count]) => `${status}:${count}`)
        .join(" ");
      console.info(
        `route fuzz: ${sent} requests (${NUM_RUNS} cases, fast-check seed ${SEED}); statuses ${byStatus}; ${parserReplies} refused by Node's HTTP parser`,
      );
      for (const [template, hits] of templateHits) expect(hits, `requests that reached ${template}`).toBeGreaterThanOrEqual(10);
      // The handlers must have been reached with valid credentials, not only refused at the door.
      expect(statuses.get(200) ?? 0).toBeGreaterThan(NUM_RUNS / 20);

      const after = await server.client.api("GET", "/version", { headers: tokenHeaders(token.tokenid, token.secret) });
      expect(after.status, after.text).toBe(200);
      expect(server.process.child.exitCode).toBeNull();
      expect(server.process.output()).not.toMatch(/request failed|uncaught|unhandled/i);
    },
    TEST_TIMEOUT_MS,
  );
});
