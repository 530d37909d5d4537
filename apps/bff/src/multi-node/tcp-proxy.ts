/**
 * A loopback TCP forwarder the fault tests put between a node and PostgreSQL. It
 * can refuse new connections while forwarding the open ones, which keeps a node's
 * listener from reconnecting for as long as a test needs to look at the gap.
 */
import { createServer, connect, type Server, type Socket } from "node:net";

export class TcpProxy {
  private refusing = false;
  private refused = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Listens on 127.0.0.1 on a free port and forwards to `target`, which must be loopback too. */
  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    if (target.host !== "127.0.0.1" && target.host !== "localhost" && target.host !== "::1") {
      throw new Error(`TcpProxy forwards to loopback only, not ${target.host}`);
    }
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    if (typeof address !== "object" || address === null) throw new Error("TcpProxy: no listening address");
    const proxy = new TcpProxy(server, address.port);
    server.on("connection", (client: Socket) => proxy.accept(client, target));
    return proxy;
  }

  /** While true, new connections are closed at once; open ones keep flowing. */
  refuseNewConnections(refuse: boolean): void {
    this.refusing = refuse;
  }

  /** Connections closed because they arrived while refusing. */
  get refusedCount(): number {
    return this.refused;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, target: { host: string; port: number }): void {
    if (this.refusing) {
      this.refused += 1;
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
      // Either side failing ends both, as a broken TCP path would.
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
