/**
 * Two real bff processes (src/main.ts) on different ports that share one
 * PostgreSQL schema, as two nodes behind a load balancer would. Each node has its
 * own data dir, which holds only its TLS certificate; users, tokens and the ticket
 * and CSRF keys live in the database.
 */
import { expect } from "vitest";
import { tokenHeaders, type HttpsTestClient } from "../test-support/https-client.js";
import { startTestServer, type TestServer } from "../test-support/test-server.js";

export interface NodePairOptions {
  databaseUrl: string;
  schema: string;
  /** Per node: the LISTEN session's URL, e.g. through a TcpProxy (default: the database URL). */
  listenUrls?: { a?: string; b?: string };
  /** Per node: extra environment. */
  env?: { a?: Record<string, string>; b?: Record<string, string> };
}

export interface NodePair {
  a: TestServer;
  b: TestServer;
  /** The application_name of each node's pooled sessions; its listener's is this plus `-listener`. */
  applicationNames: { a: string; b: string };
  stop(): Promise<void>;
}

/**
 * The application_name a node reports to PostgreSQL. The schema is part of it, so
 * a test that terminates "node b's listener" can never hit another run's node.
 */
export function nameNode(schema: string, node: "a" | "b"): string {
  return `${schema}_${node}`;
}

/** `url` with `application_name` set, the way an operator names a node. */
export function withApplicationName(url: string, applicationName: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set("application_name", applicationName);
  return parsed.toString();
}

/** Starts both nodes at once: their concurrent first start must agree on one schema, admin and key set. */
export async function startNodePair(options: NodePairOptions): Promise<NodePair> {
  const applicationNames = { a: nameNode(options.schema, "a"), b: nameNode(options.schema, "b") };
  const envFor = (node: "a" | "b"): Record<string, string> => {
    const listenUrl = options.listenUrls?.[node];
    return {
      GATEHOUSE_DATABASE_URL: withApplicationName(options.databaseUrl, applicationNames[node]),
      GATEHOUSE_DATABASE_SCHEMA: options.schema,
      ...(listenUrl === undefined
        ? {}
        : { GATEHOUSE_DATABASE_LISTEN_URL: withApplicationName(listenUrl, `${applicationNames[node]}-listener`) }),
      ...options.env?.[node],
    };
  };
  const [a, b] = await Promise.allSettled([startTestServer({ env: envFor("a") }), startTestServer({ env: envFor("b") })]);
  if (a.status === "rejected" || b.status === "rejected") {
    if (a.status === "fulfilled") await a.value.stop();
    if (b.status === "fulfilled") await b.value.stop();
    throw a.status === "rejected" ? a.reason : (b as PromiseRejectedResult).reason;
  }
  return {
    a: a.value,
    b: b.value,
    applicationNames,
    async stop() {
      await Promise.all([a.value.stop(), b.value.stop()]);
    },
  };
}

/** The status of an authenticated GET /version with a token: 200 accepted, 401 rejected. */
export async function probeToken(client: HttpsTestClient, tokenid: string, secret: string): Promise<number> {
  const response = await client.api("GET", "/version", { headers: tokenHeaders(tokenid, secret) });
  return response.status;
}

export interface PollOutcome {
  /** The status that ended the wait. */
  status: number;
  /** Requests answered with the other status before it. */
  before: number;
  waitedMs: number;
}

/**
 * Repeats `request` until it answers `wanted`, at most `maxRequests` times and for
 * at most `timeoutMs`. Between nodes a change is seen within the notification
 * latency, not at once, so the tests wait for it, boundedly, and the bench measures it.
 */
export async function pollUntilStatus(
  request: () => Promise<number>,
  wanted: number,
  limits: { timeoutMs: number; maxRequests: number },
): Promise<PollOutcome> {
  const started = performance.now();
  let before = 0;
  for (let i = 0; i < limits.maxRequests; i += 1) {
    const status = await request();
    if (status === wanted) return { status, before, waitedMs: performance.now() - started };
    before += 1;
    if (performance.now() - started > limits.timeoutMs) break;
    // A short pause keeps a waiting test from spinning a core the nodes need.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`no ${wanted} after ${before} requests in ${Math.round(performance.now() - started)} ms`);
}

/** Waits, boundedly, until `condition` holds; `what` names it in the failure. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const started = performance.now();
  for (let i = 0; i < 1_000; i += 1) {
    if (await condition()) return;
    if (performance.now() - started > timeoutMs) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** Bounds for waiting on the other node: generous, because CI machines are shared. */
export const CROSS_NODE_WAIT = { timeoutMs: 5_000, maxRequests: 500 } as const;

/** Waits until `client` accepts the token secret; the first acceptance on a node runs argon2 there and fills its cache. */
export async function expectAcceptedSoon(client: HttpsTestClient, tokenid: string, secret: string): Promise<PollOutcome> {
  const outcome = await pollUntilStatus(() => probeToken(client, tokenid, secret), 200, CROSS_NODE_WAIT);
  expect(await probeToken(client, tokenid, secret)).toBe(200);
  return outcome;
}

/** Waits until `client` rejects the token secret, then checks that it stays rejected. */
export async function expectRejectedSoon(client: HttpsTestClient, tokenid: string, secret: string): Promise<PollOutcome> {
  const outcome = await pollUntilStatus(() => probeToken(client, tokenid, secret), 401, CROSS_NODE_WAIT);
  expect(await probeToken(client, tokenid, secret)).toBe(401);
  return outcome;
}
