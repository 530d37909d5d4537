import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { injectSessionMeta } from "./spa.js";
import { cookieHeaders } from "./test-support/https-client.js";
import { logIn, type Session } from "./test-support/sessions.js";
import { TEST_ADMIN, startTestServer, type TestServer } from "./test-support/test-server.js";

const INDEX_HTML =
  '<!doctype html><html><head><title>Gatehouse</title><script type="module" src="/assets/app.js"></script></head><body><div id="root"></div></body></html>';

let webDir: string;
let server: TestServer;
let session: Session;

beforeAll(async () => {
  webDir = mkdtempSync(join(tmpdir(), "gatehouse-web-"));
  mkdirSync(join(webDir, "assets"));
  writeFileSync(join(webDir, "index.html"), INDEX_HTML);
  writeFileSync(join(webDir, "assets", "app.js"), "console.log('app');\n");
  server = await startTestServer({ webDistDir: webDir });
  session = await logIn(server.client);
});
afterAll(async () => {
  await server?.stop();
  rmSync(webDir, { recursive: true, force: true });
});

function readSessionMeta(html: string): unknown {
  const match = /<meta name="gatehouse-session" content="([A-Za-z0-9_-]+)">/.exec(html);
  return match?.[1] === undefined ? null : JSON.parse(Buffer.from(match[1], "base64url").toString("utf8"));
}

describe("serving the SPA", () => {
  test("static files are served as they are and hashed assets are cacheable", async () => {
    const response = await server.client.call("GET", "/assets/app.js");
    expect(response.status).toBe(200);
    expect(response.text).toBe("console.log('app');\n");
    expect(response.headers["cache-control"]).toContain("immutable");
    expect(response.headers["content-security-policy"]).toContain("script-src 'self'");
  });

  test("the index and client-side routes get index.html, uncached, without a session hint when logged out", async () => {
    for (const path of ["/", "/tokens", "/users/admin@pbs"]) {
      const response = await server.client.call("GET", path);
      expect(response.status, path).toBe(200);
      expect(response.headers["cache-control"]).toBe("no-store");
      expect(response.headers["content-type"]).toContain("text/html");
      expect(response.text).toContain('<div id="root">');
      expect(readSessionMeta(response.text)).toBeNull();
    }
  });

  test("a missing asset or icon is a 404, not the index page", async () => {
    for (const path of ["/assets/index-0ld4a5h.js", "/favicon.ico"]) {
      const response = await server.client.call("GET", path);
      expect(response.status, path).toBe(404);
      expect(response.text, path).not.toContain('<div id="root">');
      expect(response.headers["content-security-policy"], path).toContain("default-src 'self'");
    }
  });

  test("a valid cookie puts the username and a working CSRF token into a meta tag, and the ticket nowhere", async () => {
    const response = await server.client.call("GET", "/tokens", { headers: cookieHeaders({ ticket: session.ticket }) });
    expect(response.status).toBe(200);
    const meta = readSessionMeta(response.text) as { username: string; CSRFPreventionToken: string };
    expect(meta.username).toBe(TEST_ADMIN);
    expect(response.text).not.toContain(session.ticket.split("::")[1]);
    expect(response.text.indexOf("gatehouse-session")).toBeLessThan(response.text.indexOf("</head>"));

    const change = await server.client.api("POST", "/access/users", {
      body: { userid: "from-meta@pbs" },
      headers: cookieHeaders({ ticket: session.ticket, csrf: meta.CSRFPreventionToken }),
    });
    expect(change.status, change.text).toBe(200);
  });

  test("a valid ticket in the legacy PBSAuthCookie never seeds the console's session (issue 15, finding 9)", async () => {
    // A sibling subdomain can plant PBSAuthCookie (it has no __Host- prefix): the console must ignore it.
    const response = await server.client.call("GET", "/", { headers: { cookie: `PBSAuthCookie=${session.ticket}` } });
    expect(response.status).toBe(200);
    expect(readSessionMeta(response.text)).toBeNull();
  });

  test("an invalid cookie gets the page without a hint", async () => {
    const response = await server.client.call("GET", "/", { headers: cookieHeaders({ ticket: "PBS:admin@pbs:00000000::bad" }) });
    expect(response.status).toBe(200);
    expect(readSessionMeta(response.text)).toBeNull();
  });

  test("a missing build gets a plain page that says how to build", async () => {
    const bare = await startTestServer({ dataDir: server.dataDir, webDistDir: join(webDir, "missing") });
    try {
      const response = await bare.client.call("GET", "/");
      expect(response.status).toBe(200);
      expect(response.headers["content-type"]).toContain("text/plain");
      expect(response.text).toContain("pnpm build");
    } finally {
      await bare.stop();
    }
  });
});

describe("injectSessionMeta", () => {
  test("places the tag right before </head>, or first when there is no head", () => {
    const session = { username: "a@pbs", CSRFPreventionToken: "X:Y" };
    const content = Buffer.from(JSON.stringify(session)).toString("base64url");
    expect(injectSessionMeta("<head><title>t</title></head><body>", session)).toBe(
      `<head><title>t</title><meta name="gatehouse-session" content="${content}"></head><body>`,
    );
    expect(injectSessionMeta("<p>hi</p>", session)).toBe(`<meta name="gatehouse-session" content="${content}"><p>hi</p>`);
  });
});
