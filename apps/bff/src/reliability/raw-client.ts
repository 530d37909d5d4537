/**
 * An HTTPS client for the reliability suites, beside test-support's
 * HttpsTestClient: it sends the request target exactly as given (no URL
 * normalisation, so a fuzzed path reaches the server as generated) and it can
 * connect from another loopback address (127.0.0.0/8 is all loopback on Linux),
 * which is how a test plays several client addresses against per-address limits.
 * Only ever talks to the loopback test server.
 */
import { Agent } from "undici";
import { toApiResponse, type ApiResponse } from "../test-support/https-client.js";

export interface RawRequest {
  method: string;
  /** The request target, sent verbatim: path and query string. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface RawClientOptions {
  /** Local address to connect from, e.g. 127.0.0.7. */
  localAddress?: string;
  /** Fail a request whose headers or body take longer than this (a hang is a failure). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;

export class RawHttpsClient {
  private readonly agent: Agent;
  private readonly origin: string;

  constructor(baseUrl: string, caCertPem: string, options: RawClientOptions = {}) {
    const url = new URL(baseUrl);
    if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") {
      throw new Error(`RawHttpsClient only talks to the loopback test server, not ${url.hostname}`);
    }
    this.origin = url.origin;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.agent = new Agent({
      connect: { ca: caCertPem, servername: "localhost" },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    });
  }

  async send(request: RawRequest): Promise<ApiResponse> {
    const response = await this.agent.request({
      origin: this.origin,
      path: request.path,
      method: request.method,
      headers: request.headers ?? {},
      body: request.body ?? null,
    });
    return toApiResponse(response);
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
