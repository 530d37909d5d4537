import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readParameterErrors, tokenHeaders } from "../../test-support/https-client.js";
import { createToken, grantRole, logIn, sessionHeaders, type Session } from "../../test-support/sessions.js";
import { TEST_ADMIN, startTestServer, type TestServer } from "../../test-support/test-server.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
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

function version(token: { tokenid: string; secret: string }) {
  return server.client.api("GET", "/version", { headers: tokenHeaders(token.tokenid, token.secret) });
}

describe("token lifecycle", () => {
  test("create returns the id and a UUID secret once; reads never show it", async () => {
    const created = await server.client.api("POST", `${ADMIN_TOKENS}/life`, {
      form: { comment: "ci job", enable: "1", expire: "0" },
      headers: sessionHeaders(session),
    });
    expect(created.status, created.text).toBe(200);
    const { tokenid, value } = created.json?.data as { tokenid: string; value: string };
    expect(tokenid).toBe(`${TEST_ADMIN}!life`);
    expect(value).toMatch(UUID);

    const one = await server.client.api("GET", `${ADMIN_TOKENS}/life`, { headers: sessionHeaders(session) });
    expect(one.status).toBe(200);
    expect(one.json?.data).toMatchObject({ tokenid, "token-name": "life", comment: "ci job", enable: true, expire: 0, status: "active" });
    // The lifecycle fields of issue 14 on the single read too (decision 033).
    expect((one.json?.data as { created?: unknown }).created).toBeGreaterThan(Date.UTC(2026, 0, 1) / 1000);
    expect(one.json?.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(one.text).not.toContain(value);

    const list = await server.client.api("GET", ADMIN_TOKENS, { headers: sessionHeaders(session) });
    expect(list.status).toBe(200);
    expect(list.json?.data).toEqual(expect.arrayContaining([expect.objectContaining({ tokenid, "token-name": "life" })]));
    expect(list.text).not.toContain(value);

    const users = await server.client.api("GET", "/access/users", { query: { include_tokens: "1" }, headers: sessionHeaders(session) });
    expect(users.status).toBe(200);
    expect(JSON.stringify(users.json?.data)).toContain(tokenid);
    expect(users.text).not.toContain(value);
  });

  test("regenerate returns a new secret and the old one is rejected right after", async () => {
    const token = await createToken(session, TEST_ADMIN, "rotate");
    expect((await version(token)).status).toBe(200);
    const rotated = await server.client.api("PUT", `${ADMIN_TOKENS}/rotate`, {
      body: { regenerate: true },
      headers: sessionHeaders(session),
    });
    expect(rotated.status, rotated.text).toBe(200);
    const data = rotated.json?.data as { tokenid: string; secret: string };
    expect(data.tokenid).toBe(token.tokenid);
    expect(data.secret).toMatch(UUID);
    expect(data.secret).not.toBe(token.secret);
    expect((await version(token)).status).toBe(401);
    expect((await version({ tokenid: token.tokenid, secret: data.secret })).status).toBe(200);
  });

  test("an update without regenerate returns null; disabling and deleting revoke at once", async () => {
    const token = await createToken(session, TEST_ADMIN, "revoke");
    expect((await version(token)).status).toBe(200);
    const disabled = await server.client.api("PUT", `${ADMIN_TOKENS}/revoke`, {
      form: { enable: "0", comment: "paused" },
      headers: sessionHeaders(session),
    });
    expect(disabled.status, disabled.text).toBe(200);
    expect(disabled.json).toEqual({ data: null });
    expect((await version(token)).status).toBe(401);

    await server.client.api("PUT", `${ADMIN_TOKENS}/revoke`, { form: { enable: "1" }, headers: sessionHeaders(session) });
    expect((await version(token)).status).toBe(200);
    const deleted = await server.client.api("DELETE", `${ADMIN_TOKENS}/revoke`, { headers: sessionHeaders(session) });
    expect(deleted.status).toBe(200);
    expect((await version(token)).status).toBe(401);
    const gone = await server.client.api("GET", `${ADMIN_TOKENS}/revoke`, { headers: sessionHeaders(session) });
    expect(gone.status).toBe(404);
  });

  test("a stale digest is a 409 and the current digest is accepted", async () => {
    await createToken(session, TEST_ADMIN, "digest");
    const read = await server.client.api("GET", `${ADMIN_TOKENS}/digest`, { headers: sessionHeaders(session) });
    const digest = read.json?.digest ?? "";
    const ok = await server.client.api("PUT", `${ADMIN_TOKENS}/digest`, {
      body: { comment: "first", digest },
      headers: sessionHeaders(session),
    });
    expect(ok.status, ok.text).toBe(200);
    const stale = await server.client.api("PUT", `${ADMIN_TOKENS}/digest`, {
      body: { comment: "second", digest },
      headers: sessionHeaders(session),
    });
    expect(stale.status).toBe(409);
  });

  test("creating a token twice is a conflict", async () => {
    await createToken(session, TEST_ADMIN, "twice");
    const again = await server.client.api("POST", `${ADMIN_TOKENS}/twice`, { body: {}, headers: sessionHeaders(session) });
    expect(again.status).toBe(409);
  });
});

describe("token privileges", () => {
  test("a token without ACL entries is denied what its user may do", async () => {
    const bare = await createToken(session, TEST_ADMIN, "bare");
    // PBS's read_acl filters instead of refusing: a token without Sys.Audit sees no entry.
    const acl = await server.client.api("GET", "/access/acl", { headers: tokenHeaders(bare.tokenid, bare.secret) });
    expect(acl.status).toBe(200);
    expect(acl.json?.data).toEqual([]);
    const create = await server.client.api("POST", "/access/users", {
      body: { userid: "made-by-bare@pbs" },
      headers: tokenHeaders(bare.tokenid, bare.secret),
    });
    expect(create.status).toBe(403);
  });

  test("even an Admin token cannot manage its owner's tokens", async () => {
    const strong = await createToken(session, TEST_ADMIN, "strong");
    await grantRole(session, strong.tokenid, "Admin");
    const headers = tokenHeaders(strong.tokenid, strong.secret);
    expect((await server.client.api("GET", "/access/acl", { headers })).status).toBe(200);

    const create = await server.client.api("POST", `${ADMIN_TOKENS}/spawned`, { body: {}, headers });
    expect(create.status).toBe(403);
    const regenerateSelf = await server.client.api("PUT", `${ADMIN_TOKENS}/strong`, { body: { regenerate: true }, headers });
    expect(regenerateSelf.status).toBe(403);
    const deleteSelf = await server.client.api("DELETE", `${ADMIN_TOKENS}/strong`, { headers });
    expect(deleteSelf.status).toBe(403);
    expect((await version(strong)).status).toBe(200);
  });
});

describe("token parameters", () => {
  test("invalid names, unknown users and unknown parameters are 4xx", async () => {
    const badName = await server.client.api("POST", `${ADMIN_TOKENS}/${encodeURIComponent("bad name")}`, {
      body: {},
      headers: sessionHeaders(session),
    });
    expect(badName.status).toBe(400);
    expect(readParameterErrors(badName)).toHaveProperty("tokenname");

    const unknownUser = await server.client.api("GET", "/access/users/nobody@pbs/token", { headers: sessionHeaders(session) });
    expect(unknownUser.status).toBe(404);

    const unknownParam = await server.client.api("POST", `${ADMIN_TOKENS}/params`, {
      body: { privsep: 1 },
      headers: sessionHeaders(session),
    });
    expect(unknownParam.status).toBe(400);
    expect(readParameterErrors(unknownParam)).toEqual({ privsep: "unknown parameter" });

    const badExpire = await server.client.api("POST", `${ADMIN_TOKENS}/params`, {
      form: { expire: "soon", enable: "maybe" },
      headers: sessionHeaders(session),
    });
    expect(badExpire.status).toBe(400);
    expect(Object.keys(readParameterErrors(badExpire)).sort()).toEqual(["enable", "expire"]);
  });
});
