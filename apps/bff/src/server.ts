/** The HTTPS listener around the Express app, with header and time limits. */
import { createServer, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { Express } from "express";
import { captureSecurityHeaders } from "./middleware/security-headers.js";
import type { TlsCredentials } from "./tls.js";

export interface StartServerOptions {
  app: Express;
  tls: Pick<TlsCredentials, "cert" | "key">;
  host: string;
  /** 0 picks a free port. */
  port: number;
}

export interface RunningServer {
  server: Server;
  port: number;
  /**
   * Stops accepting, lets in-flight requests finish within `graceMs`, then drops
   * what is left; resolves with the number of connections dropped at the deadline.
   */
  close(graceMs?: number): Promise<{ dropped: number }>;
}

// Node answers 431 beyond this; a PBS request needs a ticket cookie, not more.
export const MAX_HEADER_BYTES = 16 * 1024;
const HEADERS_TIMEOUT_MS = 20_000;
const REQUEST_TIMEOUT_MS = 60_000;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
const DEFAULT_GRACE_MS = 10_000;
const IDLE_SWEEP_MS = 50;

export async function startHttpsServer(options: StartServerOptions): Promise<RunningServer> {
  const server = createServer(
    {
      cert: options.tls.cert,
      key: options.tls.key,
      maxHeaderSize: MAX_HEADER_BYTES,
      minVersion: "TLSv1.2",
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    },
    options.app,
  );
  server.on("clientError", createClientErrorResponder());
  // A request that arrives on a kept-alive connection while the server closes is
  // answered with `Connection: close`, so its client sends the next one to a
  // server that is staying.
  server.prependListener("request", function markClosingReply(_req, res) {
    if (!server.listening) res.setHeader("Connection", "close");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: (graceMs = DEFAULT_GRACE_MS) => closeGracefully(server, graceMs),
  };
}

/**
 * Answers requests that Node's HTTP parser refuses before Express sees them, in the
 * API's error format and with the same security headers as every other reply.
 */
function createClientErrorResponder(): (error: Error & { code?: string }, socket: Socket) => void {
  const headerLines = captureSecurityHeaders()
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("");
  const render = (status: number, reason: string, message: string) => {
    const body = JSON.stringify({ data: null, message });
    return (
      `HTTP/1.1 ${status} ${reason}\r\n${headerLines}` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
    );
  };
  const headersTooLarge = render(431, "Request Header Fields Too Large", "request headers too large");
  const badRequest = render(400, "Bad Request", "malformed HTTP request");
  return function respondToClientError(error, socket) {
    // A reset or half-written socket has nobody left to answer.
    if (error.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(error.code === "HPE_HEADER_OVERFLOW" ? headersTooLarge : badRequest);
  };
}

/**
 * Stops accepting; a connection is closed as soon as it is idle (a keep-alive
 * connection after its response), checked every IDLE_SWEEP_MS, so the process
 * does not wait out keep-alive timeouts; at the deadline whatever is left is dropped.
 */
async function closeGracefully(server: Server, graceMs: number): Promise<{ dropped: number }> {
  let dropped = 0;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  const timer = setTimeout(() => {
    server.getConnections((_error, count) => {
      dropped = count;
      server.closeAllConnections();
    });
  }, graceMs);
  await closed;
  clearInterval(sweep);
  clearTimeout(timer);
  return { dropped };
}
