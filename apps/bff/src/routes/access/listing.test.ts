/**
 * The paging and filtering extension of the list endpoints (docs/design.md; the
 * console's contract): PBS's shapes without parameters, `{data, total}` pages with
 * them, a `status` on every extended token row, and a 400 naming each bad parameter.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DUMMY_PASSWORD_HASH, openFileStore } from "@gatehouse/auth-core";
import { readParameterErrors } from "../../test-support/https-client.js";
import { createUser, logIn, sessionHeaders, type Session } from "../../test-support/sessions.js";
import { TEST_ADMIN, startTestServer, type TestServer } from "../../test-support/test-server.js";
import { STREAMED_REPLY_MIN_ROWS } from "../../send-reply.js";

/** More rows than the streamed-reply threshold, so the unpaged listing goes out in slices. */
const SEEDED_USERS = STREAMED_REPLY_MIN_ROWS + 500;
const runnerName = (i: number) => `runner-${String(i).padStart(5, "0")}@pbs`;

let dataDir: string;
let server: TestServer;
let admin: Session;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "gatehouse-listing-test-"));
  server = await startTestServer({ dataDir });
  admin = await logIn(server.client);
  // Seeded through the store, as an operator's import would: thousands of HTTP calls would test nothing more.
  const store = await openFileStore({ dataDir });
  await store.mutate((state) => {
    for (let i = 0; i < SEEDED_USERS; i++) {
      const userid = runnerName(i);
      state.config.users[userid] = { userid, enable: i % 10 !== 3, expire: 0, comment: i === 1234 ? "The Needle" : undefined };
      const tokenid = `${userid}!ci`;
      state.config.tokens[tokenid] = { tokenid, enable: i % 10 !== 5, expire: 0 };
      state.tokenHashes[tokenid] = DUMMY_PASSWORD_HASH;
    }
    for (const user of Object.values(state.config.users)) if (user.comment === undefined) delete user.comment;
  });
  await store.close();
});
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function get(path: string, query: Record<string, string> = {}, session = admin) {
  return server.client.api("GET", path, { query, headers: sessionHeaders(session) });
}

describe("without extension parameters", () => {
  test("GET /access/users?include_tokens=1 keeps PBS's shape (no total, no status), streamed past the threshold", async () => {
    const response = await get("/access/users", { include_tokens: "1" });
    expect(response.status, response.text.slice(0, 200)).toBe(200);
    const body = JSON.parse(response.text) as { data: { userid: string; tokens?: object[] }[]; digest: string; total?: number };
    expect(Object.keys(body).sort()).toEqual(["data", "digest"]);
    expect(body.data).toHaveLength(SEEDED_USERS + 1);
    const userids = body.data.map((user) => user.userid);
    expect(userids).toEqual([...userids].sort());
    const runner = body.data.find((user) => user.userid === runnerName(7));
    expect(runner?.tokens).toEqual([{ tokenid: `${runnerName(7)}!ci`, "token-name": "ci", enable: true, expire: 0 }]);
  });

  test("a streamed reply escapes markup characters exactly as a buffered one", async () => {
    const response = await get("/access/users");
    expect(response.text).not.toMatch(/[<>&]/);
    expect(response.text.endsWith(`,"digest":"${(response.json as { digest: string }).digest}"}`)).toBe(true);
  });
});

describe("GET /access/tokens (extension)", () => {
  test("a page carries total and each row its status", async () => {
    const response = await get("/access/tokens", { limit: "50", start: "0" });
    expect(response.status, response.text).toBe(200);
    const body = response.json as { data: { tokenid: string; status: string }[]; total: number };
    expect(body.total).toBe(SEEDED_USERS);
    expect(body.data).toHaveLength(50);
    expect(body.data[0]).toEqual({ tokenid: `${runnerName(0)}!ci`, "token-name": "ci", enable: true, expire: 0, status: "active" });
    expect(body.data.find((row) => row.tokenid === `${runnerName(3)}!ci`)?.status).toBe("owner-disabled");
    expect(body.data.find((row) => row.tokenid === `${runnerName(5)}!ci`)?.status).toBe("disabled");
  });

  test("search finds exactly one token; pages follow each other; desc reverses", async () => {
    const found = (await get("/access/tokens", { limit: "50", filter: "RUNNER-01234" })).json as {
      data: { tokenid: string }[];
      total: number;
    };
    expect(found.total).toBe(1);
    expect(found.data.map((row) => row.tokenid)).toEqual([`${runnerName(1234)}!ci`]);

    const second = (await get("/access/tokens", { limit: "10", start: "10" })).json as { data: { tokenid: string }[] };
    expect(second.data[0]?.tokenid).toBe(`${runnerName(10)}!ci`);
    const last = (await get("/access/tokens", { limit: "1", order: "desc" })).json as { data: { tokenid: string }[] };
    expect(last.data[0]?.tokenid).toBe(`${runnerName(SEEDED_USERS - 1)}!ci`);
  });

  test("status selects; every seeded disabled token and no other", async () => {
    const disabled = (await get("/access/tokens", { limit: "1000", status: "disabled" })).json as {
      data: { tokenid: string; status: string }[];
      total: number;
    };
    expect(disabled.total).toBe(SEEDED_USERS / 10);
    expect(disabled.data.every((row) => row.status === "disabled")).toBe(true);
  });

  test("a user without Sys.Audit sees only its own tokens", async () => {
    await createUser(admin, "plain@pbs", "plain-password");
    const plain = await logIn(server.client, "plain@pbs", "plain-password");
    const own = await server.client.api("POST", "/access/users/plain@pbs/token/mine", { body: {}, headers: sessionHeaders(plain) });
    expect(own.status, own.text).toBe(200);
    const body = (await get("/access/tokens", { limit: "50" }, plain)).json as { data: { tokenid: string }[]; total: number };
    expect(body).toMatchObject({ total: 1, data: [{ tokenid: "plain@pbs!mine" }] });
  });

  test("bad values get a 400 naming each parameter", async () => {
    const response = await get("/access/tokens", {
      limit: "0",
      start: "-1",
      sort: "userid",
      order: "up",
      status: "gone",
      filter: "x".repeat(129),
    });
    expect(response.status).toBe(400);
    expect(Object.keys(readParameterErrors(response)).sort()).toEqual(["filter", "limit", "order", "sort", "start", "status"]);
    expect((await get("/access/tokens", { limit: "1001" })).status).toBe(400);
    expect(readParameterErrors(await get("/access/tokens", { bogus: "1" }))).toEqual({ bogus: "unknown parameter" });
  });
});

describe("GET /access/users and /access/users/{userid}/token with extension parameters", () => {
  test("users filter over names and comment, page, sort by enable", async () => {
    const needle = (await get("/access/users", { filter: "needle", limit: "5" })).json as { data: { userid: string }[]; total: number };
    expect(needle).toMatchObject({ total: 1, data: [{ userid: runnerName(1234) }] });
    const disabledFirst = (await get("/access/users", { sort: "enable", limit: "1" })).json as { data: { enable: boolean }[] };
    expect(disabledFirst.data[0]?.enable).toBe(false);
    expect((await get("/access/users", { sort: "tokenid" })).status).toBe(400);
  });

  test("a paged per-user token listing carries total and status; unpaged it is PBS's", async () => {
    const paged = (await get(`/access/users/${runnerName(3)}/token`, { limit: "10" })).json as {
      data: { status: string }[];
      total: number;
    };
    expect(paged).toMatchObject({ total: 1, data: [{ status: "owner-disabled" }] });
    const plain = (await get(`/access/users/${TEST_ADMIN}/token`)).json as object;
    expect(Object.keys(plain).sort()).toEqual(["data", "digest"]);
  });
});
