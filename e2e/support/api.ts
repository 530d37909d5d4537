/**
 * Direct API access for the suites through @gatehouse/client: an admin (or any
 * user's) session for arranging data, and token-only calls (no cookie at all, so
 * a token check means what it says). The session asks for the HttpOnly flow, as
 * the console does; the transport trusts exactly the e2e server's certificate.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GatehouseApiError, GatehouseClient } from "@gatehouse/client";
import { createNodeTransport, type NodeTransport } from "@gatehouse/client/node";
import { ADMIN_PASSWORD, ADMIN_USERID, BASE_URL, resolveDataDir } from "./env.js";

export interface ApiSession {
  api: GatehouseClient;
  dispose(): Promise<void>;
}

function openTransport(): NodeTransport {
  return createNodeTransport({ ca: readFileSync(join(resolveDataDir(), "tls", "cert.pem"), "utf8") });
}

/** Logs in through the HttpOnly flow; the client holds the `__Host-` cookie. */
export async function openApiSession(userid = ADMIN_USERID, password = ADMIN_PASSWORD): Promise<ApiSession> {
  const transport = openTransport();
  const api = new GatehouseClient({ baseUrl: BASE_URL, auth: { username: userid, password }, httpOnly: true, fetch: transport.fetch });
  try {
    await api.login();
  } catch (error) {
    await transport.close();
    throw error;
  }
  return { api, dispose: () => transport.close() };
}

/** Status of GET /version authenticated by the token alone. */
export async function fetchVersionStatusWithToken(tokenid: string, secret: string): Promise<number> {
  const transport = openTransport();
  // No retries: a test asking whether a token is refused wants the first answer.
  const api = new GatehouseClient({
    baseUrl: BASE_URL,
    auth: { tokenId: tokenid, secret },
    fetch: transport.fetch,
    retry: { maxRetries: 0 },
  });
  try {
    await api.version();
    return 200;
  } catch (error) {
    if (error instanceof GatehouseApiError) return error.status;
    throw error;
  } finally {
    await transport.close();
  }
}
