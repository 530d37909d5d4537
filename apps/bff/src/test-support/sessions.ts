/** Login and token helpers shared by the integration tests. */
import { expect } from "vitest";
import { cookieHeaders, type HttpsTestClient } from "./https-client.js";
import { TEST_ADMIN, TEST_ADMIN_PASSWORD } from "./test-server.js";

export interface Session {
  username: string;
  ticket: string;
  csrf: string;
}

/** Logs in with the legacy flow, which returns the ticket so tests can send it as a cookie. */
export async function logIn(client: HttpsTestClient, username = TEST_ADMIN, password = TEST_ADMIN_PASSWORD): Promise<Session> {
  const response = await client.api("POST", "/access/ticket", { body: { username, password } });
  expect(response.status, response.text).toBe(200);
  const data = response.json?.data as { username: string; ticket: string; CSRFPreventionToken: string };
  return { username: data.username, ticket: data.ticket, csrf: data.CSRFPreventionToken };
}

/** Headers for a cookie-authenticated change: the cookie plus its CSRF token. */
export function sessionHeaders(session: Session): Record<string, string> {
  return cookieHeaders({ ticket: session.ticket, csrf: session.csrf });
}

export async function createToken(
  client: HttpsTestClient,
  session: Session,
  userid: string,
  name: string,
): Promise<{ tokenid: string; secret: string }> {
  const response = await client.api("POST", `/access/users/${encodeURIComponent(userid)}/token/${name}`, {
    body: {},
    headers: sessionHeaders(session),
  });
  expect(response.status, response.text).toBe(200);
  const data = response.json?.data as { tokenid: string; value: string };
  return { tokenid: data.tokenid, secret: data.value };
}

export async function grantRole(client: HttpsTestClient, session: Session, authId: string, role: string, path = "/"): Promise<void> {
  const response = await client.api("PUT", "/access/acl", {
    body: { path, role, "auth-id": authId },
    headers: sessionHeaders(session),
  });
  expect(response.status, response.text).toBe(200);
}

export async function createUser(client: HttpsTestClient, session: Session, userid: string, password: string): Promise<void> {
  const response = await client.api("POST", "/access/users", { body: { userid, password }, headers: sessionHeaders(session) });
  expect(response.status, response.text).toBe(200);
}
