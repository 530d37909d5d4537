/**
 * The server's lifecycle (main.ts, docs/decisions/019-graceful-lifecycle.md):
 * SIGTERM finishes what is in flight before exiting, and SIGHUP replaces the
 * workers one at a time without refusing a single connection.
 */
import { connect } from "node:tls";
import { describe, expect, test } from "vitest";
import { tokenHeaders } from "./test-support/https-client.js";
import { createToken, logIn } from "./test-support/sessions.js";
import { waitForOutput } from "./test-support/spawn-ts.js";
import { TEST_ADMIN, TEST_ADMIN_PASSWORD, startTestServer } from "./test-support/test-server.js";

const RESTART_TIMEOUT_MS = 90_000;
// Requests every load loop still sends after the restart finished, to see the new workers answer.
const REQUESTS_AFTER_RESTART = 10;
const LOAD_LOOPS = 4;

describe("SIGTERM", () => {
  test("lets a request in flight finish, then closes the store and exits 0, logging each step", async () => {
    const server = await startTestServer({ env: { GATEHOUSE_LOG_LEVEL: "info", GATEHOUSE_SHUTDOWN_TIMEOUT_S: "20" } });
    try {
      const url = new URL(server.baseUrl);
      const socket = connect({ host: url.hostname, port: Number(url.port), ca: server.certPem, servername: "localhost" });
      let received = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => (received += chunk));
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      await new Promise<void>((resolve, reject) => {
        socket.once("secureConnect", () => resolve());
        socket.once("error", reject);
      });
      const body = new URLSearchParams({ username: TEST_ADMIN, password: TEST_ADMIN_PASSWORD }).toString();
      // `Expect: 100-continue` makes the server say when it has parsed the headers:
      // from then on the request is in flight, deterministically.
      socket.write(
        "POST /api2/json/access/ticket HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
          `Content-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`,
      );
      await waitUntil(() => received.includes("100 Continue"), "the server's 100 Continue");

      server.process.child.kill("SIGTERM");
      await waitForOutput(server.process, /shutdown: no longer accepting connections/, 10_000);
      // A new connection is refused now; the one in flight is still served.
      await expect(server.client.api("GET", "/access/domains", { freshConnection: true })).rejects.toThrow();
      socket.write(body);
      await closed;
      expect(received).toMatch(/HTTP\/1\.1 200 OK/);
      expect(received).toContain('"CSRFPreventionToken"');

      expect(await server.process.exited).toBe(0);
      const log = server.process.output();
      // In the order they were logged (pino's own timestamps): pino writes
      // asynchronously, so on a busy machine the lines of one millisecond can reach
      // the pipe out of order.
      const loggedAt = [
        "shutdown: no longer accepting connections",
        "shutdown: every request in flight has finished",
        "shutdown: flushing buffered writes and closing the store",
        "shutdown: done",
      ].map((step) => {
        const line = log.split("\n").find((candidate) => candidate.includes(`"msg":"${step}`));
        expect(line, `${step} in:\n${log}`).toBeDefined();
        return (JSON.parse(line ?? "{}") as { time: number }).time;
      });
      expect(
        [...loggedAt].sort((a, b) => a - b),
        log,
      ).toEqual(loggedAt);
    } finally {
      await server.stop();
    }
  });

  test("drops a request that outlives the deadline, says so, and still exits 0", async () => {
    const server = await startTestServer({ env: { GATEHOUSE_LOG_LEVEL: "info", GATEHOUSE_SHUTDOWN_TIMEOUT_S: "1" } });
    try {
      const url = new URL(server.baseUrl);
      const socket = connect({ host: url.hostname, port: Number(url.port), ca: server.certPem, servername: "localhost" });
      let received = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => (received += chunk));
      socket.on("error", () => undefined);
      await new Promise<void>((resolve) => socket.once("secureConnect", () => resolve()));
      // A body that never completes.
      socket.write(
        "POST /api2/json/access/ticket HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n",
      );
      await waitUntil(() => received.includes("100 Continue"), "the server's 100 Continue");
      server.process.child.kill("SIGTERM");
      expect(await server.process.exited).toBe(0);
      expect(server.process.output()).toMatch(/shutdown: deadline passed; dropped the connections still open/);
      socket.destroy();
    } finally {
      await server.stop();
    }
  });
});

describe("SIGHUP: a rolling restart of the workers", () => {
  test("replaces every worker while a load client on fresh connections sees no failed request", async () => {
    const server = await startTestServer({
      workers: 2,
      env: { GATEHOUSE_TEST_EXPOSE_WORKER: "1", GATEHOUSE_LOG_LEVEL: "info", GATEHOUSE_SHUTDOWN_TIMEOUT_S: "10" },
    });
    try {
      const session = await logIn(server.client);
      const token = await createToken(session, TEST_ADMIN, "load");
      const headers = tokenHeaders(token.tokenid, token.secret);

      const failures: string[] = [];
      const workersBefore = new Set<string>();
      const workersAfter = new Set<string>();
      let restartDone = false;
      let sent = 0;
      const deadline = Date.now() + RESTART_TIMEOUT_MS;

      const loop = async () => {
        let afterRestart = 0;
        while (afterRestart < REQUESTS_AFTER_RESTART && Date.now() < deadline) {
          const doneBeforeSending = restartDone;
          sent += 1;
          try {
            // A new connection each time: every request is a new accept on the shared port.
            const response = await server.client.api("GET", "/version", { headers, freshConnection: true });
            if (response.status !== 200) failures.push(`status ${response.status}: ${response.text}`);
            const worker = String(response.headers["x-gatehouse-worker"]);
            if (doneBeforeSending) workersAfter.add(worker);
            else if (!restartDone && workersBefore.size < 2) workersBefore.add(worker);
          } catch (error) {
            failures.push(String(error));
          }
          if (doneBeforeSending) afterRestart += 1;
        }
      };
      // Both workers answer before the restart begins.
      while (workersBefore.size < 2 && Date.now() < deadline) {
        const response = await server.client.api("GET", "/version", { headers, freshConnection: true });
        workersBefore.add(String(response.headers["x-gatehouse-worker"]));
      }
      expect(workersBefore.size).toBe(2);

      const loops = Array.from({ length: LOAD_LOOPS }, loop);
      const sentBeforeSignal = sent;
      server.process.child.kill("SIGHUP");
      await waitForOutput(server.process, /rolling restart done: 2 of 2 workers replaced/, RESTART_TIMEOUT_MS);
      restartDone = true;
      await Promise.all(loops);

      expect(failures).toEqual([]);
      // The load really ran through the restart, and the new workers are the only ones answering now.
      expect(sent - sentBeforeSignal).toBeGreaterThan(LOAD_LOOPS * REQUESTS_AFTER_RESTART);
      expect(workersAfter.size).toBeGreaterThan(0);
      for (const worker of workersAfter) expect(workersBefore.has(worker), `worker ${worker} should have been replaced`).toBe(false);
      const log = server.process.output();
      expect(log.match(/rolling restart: replacement serving; stopping the old worker/g)).toHaveLength(2);
      expect(await server.stop()).toBe(0);
    } finally {
      await server.stop();
    }
  });

  test("a single-process server logs that it cannot roll and keeps serving", async () => {
    const server = await startTestServer({ env: { GATEHOUSE_LOG_LEVEL: "info" } });
    try {
      server.process.child.kill("SIGHUP");
      await waitForOutput(server.process, /a rolling restart needs GATEHOUSE_WORKERS of 2 or more/, 10_000);
      expect((await server.client.api("GET", "/access/domains", { freshConnection: true })).status).toBe(200);
      expect(await server.stop()).toBe(0);
    } finally {
      await server.stop();
    }
  });
});

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
