/**
 * Issue 14 over HTTP: GET /access/audit (Sys.Audit on /system, filters, paging),
 * refused writes in the log with the request's id and source, rotation with
 * overlap (`grace`), and the extension fields `created` and `last-used` that only
 * extended listings show.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readParameterErrors, tokenHeaders } from "../../test-support/https-client.js";
import { createToken, createUser, grantRole, logIn, sessionHeaders, type Session } from "../../test-support/sessions.js";
import { TEST_ADMIN, startTestServer, type TestServer } from "../../test-support/test-server.js";

const ADMIN_TOKENS = `/access/users/${TEST_ADMIN}/token`;

let server: TestServer;
let session: Session;

beforeAll(async () => {
  server = await startTestServer();
  session = await logIn(server.client);
});
afterAll(async () => {
  await server?.stop();
});

interface AuditRow {
  action: string;
  actor: string;
  target?: string;
  outcome: string;
  requestId?: string;
  source?: string;
  detail?: string;
}

async function readAudit(query: Record<string, string>, headers = sessionHeaders(session)) {
  return server.client.api("GET", "/access/audit", { query, headers });
}

describe("GET /access/audit", () => {
  test("lists the caller's changes newest first with request id and source, filtered and paged", async () => {
    const token = await createToken(session, TEST_ADMIN, "audited");
    const rotated = await server.client.api("PUT", `${ADMIN_TOKENS}/audited`, {
      body: { regenerate: true },
      headers: sessionHeaders(session),
    });
    expect(rotated.status, rotated.text).toBe(200);
    const requestId = rotated.headers["x-request-id"];

    const page = await readAudit({ target: token.tokenid, limit: "1" });
    expect(page.status, page.text).toBe(200);
    const body = page.json as { data: AuditRow[]; total: number };
    expect(body.total).toBe(2);
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({
      action: "token.regenerate",
      actor: TEST_ADMIN,
      target: token.tokenid,
      outcome: "success",
      requestId,
    });
    expect(body.data[0]?.source).toMatch(/127\.0\.0\.1/);
    const second = await readAudit({ target: token.tokenid, limit: "1", start: "1" });
    expect((second.json as { data: AuditRow[] }).data[0]?.action).toBe("token.create");
    expect(page.text).not.toContain(token.secret);
  });

  test("records a write refused for permission, and needs Sys.Audit on /system to read", async () => {
    await createUser(session, "auditee@pbs", "auditee-Password-1");
    const auditee = await logIn(server.client, "auditee@pbs", "auditee-Password-1");
    const refused = await server.client.api("POST", "/access/users", { body: { userid: "nobody@pbs" }, headers: sessionHeaders(auditee) });
    expect(refused.status).toBe(403);
    expect((await readAudit({}, sessionHeaders(auditee))).status).toBe(403);

    const denied = await readAudit({ action: "write.denied", actor: "auditee@pbs" });
    expect((denied.json as { data: AuditRow[] }).data[0]).toMatchObject({
      target: "POST /access/users",
      outcome: "denied",
      requestId: refused.headers["x-request-id"],
    });
    await grantRole(session, "auditee@pbs", "Audit", "/system");
    expect((await readAudit({ limit: "5" }, sessionHeaders(auditee))).status).toBe(200);
  });

  test("refuses bad filters with a 400 that names them", async () => {
    const bad = await readAudit({ limit: "0", outcome: "maybe", since: "soon" });
    expect(bad.status).toBe(400);
    expect(Object.keys(readParameterErrors(bad)).sort()).toEqual(["limit", "outcome", "since"]);
  });
});

describe("rotation with overlap over HTTP", () => {
  test("grace keeps the old secret working beside the new one; grace without regenerate is a 400", async () => {
    const token = await createToken(session, TEST_ADMIN, "overlap");
    const rotated = await server.client.api("PUT", `${ADMIN_TOKENS}/overlap`, {
      body: { regenerate: true, grace: 3600 },
      headers: sessionHeaders(session),
    });
    expect(rotated.status, rotated.text).toBe(200);
    const fresh = (rotated.json?.data as { secret: string }).secret;
    expect((await server.client.api("GET", "/version", { headers: tokenHeaders(token.tokenid, fresh) })).status).toBe(200);
    expect((await server.client.api("GET", "/version", { headers: tokenHeaders(token.tokenid, token.secret) })).status).toBe(200);

    const listed = await server.client.api("GET", "/access/tokens", {
      query: { filter: "overlap", limit: "10" },
      headers: sessionHeaders(session),
    });
    const row = (listed.json?.data as Record<string, unknown>[])[0];
    expect(row?.["previous-secret-until"]).toBeGreaterThan(Date.now() / 1000 + 3500);
    expect(row?.created).toBeGreaterThan(Date.now() / 1000 - 600);
    expect(row?.["last-used"]).toBeGreaterThan(Date.now() / 1000 - 600);

    // Without the extension parameters the listing keeps PBS's shape.
    const plain = await server.client.api("GET", ADMIN_TOKENS, { headers: sessionHeaders(session) });
    for (const pbsRow of plain.json?.data as Record<string, unknown>[]) {
      expect(Object.keys(pbsRow).sort()).toEqual(expect.not.arrayContaining(["created", "last-used", "previous-secret-until"]));
    }

    const noRegenerate = await server.client.api("PUT", `${ADMIN_TOKENS}/overlap`, {
      body: { grace: 60 },
      headers: sessionHeaders(session),
    });
    expect(noRegenerate.status).toBe(400);
    expect(readParameterErrors(noRegenerate)).toHaveProperty("grace");
    const tooLong = await server.client.api("PUT", `${ADMIN_TOKENS}/overlap`, {
      body: { regenerate: true, grace: 9_999_999 },
      headers: sessionHeaders(session),
    });
    expect(tooLong.status).toBe(400);
  });

  test("unused-days lists only tokens neither used nor created within that many days", async () => {
    await createToken(session, TEST_ADMIN, "brand-new");
    const unused = await server.client.api("GET", "/access/tokens", { query: { "unused-days": "1" }, headers: sessionHeaders(session) });
    expect(unused.status, unused.text).toBe(200);
    expect((unused.json?.data as { tokenid: string }[]).map((row) => row.tokenid)).not.toContain(`${TEST_ADMIN}!brand-new`);
    const bad = await server.client.api("GET", "/access/tokens", { query: { "unused-days": "0" }, headers: sessionHeaders(session) });
    expect(bad.status).toBe(400);
  });
});
