/**
 * Login and setup helpers shared by the integration tests, on @gatehouse/client.
 * A session keeps its client for setup calls, and also its ticket and CSRF token,
 * because many tests craft raw requests around them (HttpsTestClient).
 */
import { fetch as undiciFetch } from "undici";
import { GatehouseClient, type FetchLike, type UpdateAclParams } from "@gatehouse/client";
import { cookieHeaders, type HttpsTestClient } from "./https-client.js";
import { TEST_ADMIN, TEST_ADMIN_PASSWORD } from "./test-server.js";

export interface Session {
  username: string;
  ticket: string;
  csrf: string;
  /** Logged in as this session's user, for setup calls. */
  api: GatehouseClient;
}

/** A fetch through the test client's connection pool, which trusts exactly the test server's certificate. */
export function testServerFetch(client: HttpsTestClient): FetchLike {
  return (input, init) => undiciFetch(input, { ...init, dispatcher: client.dispatcher });
}

/** A GatehouseClient for the test server, with the given password or token. */
export function createApiClient(
  client: HttpsTestClient,
  auth: { username: string; password: string } | { tokenId: string; secret: string },
): GatehouseClient {
  return new GatehouseClient({ baseUrl: client.baseUrl, auth, fetch: testServerFetch(client) });
}

/** Logs in with the legacy flow, which returns the ticket so tests can send it as a cookie. */
export async function logIn(client: HttpsTestClient, username = TEST_ADMIN, password = TEST_ADMIN_PASSWORD): Promise<Session> {
  const api = createApiClient(client, { username, password });
  await api.login();
  const exported = api.exportSession();
  if (exported === null) throw new Error("the login left no exportable session");
  return { username: exported.username, ticket: exported.ticket, csrf: exported.CSRFPreventionToken, api };
}

/** Headers for a cookie-authenticated change: the cookie plus its CSRF token. */
export function sessionHeaders(session: Pick<Session, "ticket" | "csrf">): Record<string, string> {
  return cookieHeaders({ ticket: session.ticket, csrf: session.csrf });
}

export async function createToken(session: Session, userid: string, name: string): Promise<{ tokenid: string; secret: string }> {
  const created = await session.api.createToken(userid, name);
  return { tokenid: created.tokenid, secret: created.value };
}

export async function grantRole(session: Session, authId: string, role: UpdateAclParams["role"], path = "/"): Promise<void> {
  await session.api.updateAcl({ path, role, "auth-id": authId });
}

export async function createUser(session: Session, userid: string, password: string): Promise<void> {
  await session.api.createUser({ userid, password });
}

/**
 * Resolves once the wall clock is past the second a ticket was issued in. Tickets
 * carry whole seconds, and "tickets not before" refuses only tickets from earlier
 * seconds, so a test that ends sessions waits here first (at most one second).
 */
export async function waitPastTicketSecond(ticket: string): Promise<void> {
  const hexTime = /^PBS:[^:]+:([0-9A-F]{8})::/.exec(ticket)?.[1];
  if (hexTime === undefined) throw new Error("waitPastTicketSecond: not a PBS ticket");
  const issuedAtMs = Number.parseInt(hexTime, 16) * 1000;
  const remainingMs = issuedAtMs + 1000 - Date.now();
  if (remainingMs > 0) await new Promise((resolveWait) => setTimeout(resolveWait, remainingMs + 5));
}
