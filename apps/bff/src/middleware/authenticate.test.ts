import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { tokenHeaders } from "../test-support/https-client.js";
import { createToken, logIn, type Session } from "../test-support/sessions.js";
import { TEST_ADMIN, startTestServer, type TestServer } from "../test-support/test-server.js";

const CLEAR_COOKIE = "__Host-PBSAuthCookie=; Secure; HttpOnly; SameSite=Lax; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT";

let server: TestServer;
let session: Session;
let token: { tokenid: string; secret: string };

beforeAll(async () => {
  server = await startTestServer();
  session = await logIn(server.client);
  token = await createToken(session, TEST_ADMIN, "auth-test");
});
afterAll(async () => {
  await server?.stop();
});

function version(headers: Record<string, string>) {
  return server.client.api("GET", "/version", { headers });
}

describe("API token authentication", () => {
  test("PBSAPIToken= and PBSAPIToken with a space both authenticate", async () => {
    for (const separator of ["=", " "] as const) {
      const response = await version(tokenHeaders(token.tokenid, token.secret, separator));
      expect(response.status, response.text).toBe(200);
      expect(Object.keys(response.json?.data as object).sort()).toEqual(["release", "repoid", "version"]);
    }
  });

  test("a percent-encoded secret is decoded before it is checked", async () => {
    const encoded = [...token.secret].map((char) => `%${char.charCodeAt(0).toString(16).padStart(2, "0")}`).join("");
    const response = await version(tokenHeaders(token.tokenid, encoded));
    expect(response.status, response.text).toBe(200);
  });

  test("a wrong secret is a 401 that leaves cookies alone: only a refused cookie is cleared (issue 15, finding 9)", async () => {
    const wrong = "00000000-0000-4000-8000-000000000000";
    const response = await version(tokenHeaders(token.tokenid, wrong));
    expect(response.status).toBe(401);
    expect(response.setCookies).toEqual([]);
    expect(response.text).toContain("authentication failed");
  });

  test("malformed Authorization headers are 401 with a message, never 500", async () => {
    const malformed = [
      "PBSAPIToken=",
      "PBSAPIToken",
      "Bearer abc",
      "Basic YWRtaW46cGFzcw==",
      `PBSAPIToken=${token.tokenid}`,
      `PBSAPIToken=${token.tokenid}:`,
      `PBSAPIToken=${token.tokenid}:%zz`,
      `PBSAPIToken=${TEST_ADMIN}:${token.secret}`,
      `PBSAPIToken=nobody!x:${token.secret}`,
      `PBSAPIToken=${"a".repeat(60)}@pbs!${"b".repeat(60)}:${token.secret}`,
      `PBSAPIToken=${token.tokenid}:${"x".repeat(4000)}`,
      "PBSAPIToken=\u00e9@pbs!t:x",
    ];
    for (const header of malformed) {
      const response = await version({ authorization: header });
      expect(response.status, header).toBe(401);
      expect(response.text, header).toMatch(/^(authentication failed|malformed Authorization header)/);
    }
  });

  test("repeated distinct wrong secrets for one token end in a 429 with Retry-After", async () => {
    const target = await createToken(session, TEST_ADMIN, "throttled");
    let throttled: Awaited<ReturnType<typeof version>> | null = null;
    for (let attempt = 0; attempt < 30 && throttled === null; attempt += 1) {
      const response = await version(tokenHeaders(target.tokenid, randomUUID()));
      if (response.status === 429) throttled = response;
      else expect(response.status).toBe(401);
    }
    expect(throttled?.status).toBe(429);
    expect(Number(throttled?.headers["retry-after"])).toBeGreaterThan(0);
    expect(throttled?.text).toBe("too many failed authentication attempts");
  });

  test("no credentials at all is a 401 asking for authentication", async () => {
    const response = await version({});
    expect(response.status).toBe(401);
    expect(response.text).toContain("authentication required");
  });
});

describe("cookie authentication", () => {
  test("the __Host- cookie, the legacy cookie and a percent-encoded value all authenticate", async () => {
    const encoded = encodeURIComponent(session.ticket);
    for (const cookie of [
      `__Host-PBSAuthCookie=${session.ticket}`,
      `PBSAuthCookie=${session.ticket}`,
      `PBSAuthCookie=${encoded}`,
      `theme=dark; __Host-PBSAuthCookie=${encoded}`,
    ]) {
      const response = await version({ cookie });
      expect(response.status, cookie).toBe(200);
    }
  });

  test("a cookie ticket wins over the Authorization header, even a valid one", async () => {
    const withGoodCookie = await version({ cookie: `__Host-PBSAuthCookie=${session.ticket}`, authorization: "garbage" });
    expect(withGoodCookie.status).toBe(200);
    const withBadCookie = await version({
      cookie: "__Host-PBSAuthCookie=PBS:admin@pbs:00000000::forged",
      ...tokenHeaders(token.tokenid, token.secret),
    });
    expect(withBadCookie.status).toBe(401);
    expect(withBadCookie.setCookies).toEqual([CLEAR_COOKIE]);
  });

  test("the __Host- cookie wins over the legacy cookie", async () => {
    const response = await version({ cookie: `PBSAuthCookie=${session.ticket}; __Host-PBSAuthCookie=broken` });
    expect(response.status).toBe(401);
  });

  test("a tampered or garbage ticket is a 401, never a 500", async () => {
    const tampered = session.ticket.replace(/.$/, (last) => (last === "A" ? "B" : "A"));
    for (const ticket of [tampered, "garbage", "PBS:", "PBS:admin@pbs:ZZZZZZZZ::x", "%E0%A4%A", "\u00ff".repeat(50)]) {
      const response = await version({ cookie: `__Host-PBSAuthCookie=${encodeURIComponent(ticket)}` });
      expect(response.status, ticket).toBe(401);
    }
  });
});
