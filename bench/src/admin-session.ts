/**
 * The bench's setup calls (log in, create, rotate and delete tokens) through
 * @gatehouse/client. It trusts exactly the server's own self-signed certificate,
 * read from its data dir. The session's ticket is exported for the load
 * generators, which send it as a cookie.
 */
import { GatehouseClient } from "@gatehouse/client";
import { createNodeTransport } from "@gatehouse/client/node";
import type { RunningServer } from "./server-process.js";

export interface AdminSession {
  api: GatehouseClient;
  ticket: string;
  csrf: string;
  close(): Promise<void>;
}

export async function openAdminSession(server: RunningServer, username: string, password: string): Promise<AdminSession> {
  const transport = createNodeTransport({ ca: server.caCertPem });
  const api = new GatehouseClient({ baseUrl: server.baseUrl, auth: { username, password }, fetch: transport.fetch });
  try {
    await api.login();
  } catch (error) {
    await transport.close();
    throw error;
  }
  const exported = api.exportSession();
  if (exported === null) throw new Error("the login left no session to export");
  return { api, ticket: exported.ticket, csrf: exported.CSRFPreventionToken, close: () => transport.close() };
}
