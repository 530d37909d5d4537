/**
 * A stand-in for a PBS release from before the HttpOnly series: its ticket API
 * schema has no `http-only` property, so a login that sends it is refused with 400
 * and PBS's "additional properties" message (src/api2/access/mod.rs before the
 * series; proxmox-schema refuses unknown parameters). Otherwise it logs in with the
 * legacy flow and accepts the ticket in the `PBSAuthCookie` cookie only.
 */
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";

export const OLD_PBS_USER = "root@pam";
export const OLD_PBS_PASSWORD = "old-server-password";

export interface OldPbsServer {
  baseUrl: string;
  /** Every login body the server received, in order. */
  logins: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startOldPbsServer(tls: { cert: string; key: string }): Promise<OldPbsServer> {
  const ticket = `PBS:${OLD_PBS_USER}:${Math.floor(Date.now() / 1000)
    .toString(16)
    .toUpperCase()}::b2xkLXNlcnZlcg`;
  const logins: Record<string, unknown>[] = [];
  const server: Server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (raw += chunk));
    req.on("end", () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      const url = new URL(req.url ?? "/", "https://old-pbs");
      if (req.method === "POST" && url.pathname === "/api2/json/access/ticket") {
        const body = (raw === "" ? {} : JSON.parse(raw)) as Record<string, unknown>;
        logins.push(body);
        const unknown = Object.keys(body).filter(
          (key) => !["username", "password", "realm", "otp", "path", "privs", "port", "tfa-challenge"].includes(key),
        );
        if (unknown.length > 0) {
          const errors = Object.fromEntries(unknown.map((key) => [key, "schema does not allow additional properties."]));
          reply(400, { data: null, message: "parameter verification errors", errors });
          return;
        }
        const valid = body.username === OLD_PBS_USER && (body.password === OLD_PBS_PASSWORD || body.password === ticket);
        if (!valid) return reply(401, { data: null, message: "authentication failure" });
        return reply(200, { data: { username: OLD_PBS_USER, ticket, CSRFPreventionToken: "old-csrf" } });
      }
      if (req.method === "GET" && url.pathname === "/api2/json/version") {
        const cookie = req.headers.cookie ?? "";
        const sent = /(?:^|;\s*)PBSAuthCookie=([^;]*)/.exec(cookie)?.[1];
        if (sent === undefined || decodeURIComponent(sent) !== ticket) return reply(401, { data: null, message: "authentication failed" });
        return reply(200, { data: { version: "3.2", release: "2", repoid: "old" } });
      }
      reply(404, { data: null, message: "not found" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `https://127.0.0.1:${port}`,
    logins,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
