import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cookieHeaders, tokenHeaders } from "../test-support/https-client.js";
import { createToken, createUser, grantRole, logIn, type Session } from "../test-support/sessions.js";
import { TEST_ADMIN, startTestServer, type TestServer } from "../test-support/test-server.js";

let server: TestServer;
let admin: Session;

beforeAll(async () => {
  server = await startTestServer();
  admin = await logIn(server.client);
});
afterAll(async () => {
  await server?.stop();
});

/** The value of the series `name` (with its labels, if any, as written: `x{worker="1"}`). */
function readSample(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no sample ${name} in:\n${text}`);
  return Number(line.slice(name.length + 1));
}

describe("GET /metrics", () => {
  test("refuses a caller without credentials with 401", async () => {
    const response = await server.client.call("GET", "/metrics");
    expect(response.status).toBe(401);
  });

  test("refuses a caller without Sys.Audit on /system with 403", async () => {
    await createUser(admin, "plain@pbs", "plain-password");
    await grantRole(admin, "plain@pbs", "Audit", "/access");
    const plain = await logIn(server.client, "plain@pbs", "plain-password");
    const response = await server.client.call("GET", "/metrics", { headers: cookieHeaders(plain) });
    expect(response.status).toBe(403);
  });

  test("serves Prometheus text to a token with Sys.Audit on /system, counting its own cache hits", async () => {
    const token = await createToken(admin, TEST_ADMIN, "scraper");
    await grantRole(admin, token.tokenid, "Audit", "/system");
    const headers = tokenHeaders(token.tokenid, token.secret, " ");
    const first = await server.client.call("GET", "/metrics", { headers });
    expect(first.status, first.text).toBe(200);
    expect(first.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(first.headers["cache-control"]).toBe("no-store");

    const second = await server.client.call("GET", "/metrics", { headers });
    expect(readSample(second.text, "gatehouse_token_cache_hits_total")).toBe(
      readSample(first.text, "gatehouse_token_cache_hits_total") + 1,
    );
    for (const name of [
      "gatehouse_argon2_gate_running",
      "gatehouse_argon2_gate_queued",
      "gatehouse_argon2_gate_rejected_total",
      "gatehouse_argon2_gate_collapsed_total",
      "gatehouse_slow_verify_seconds_count",
    ]) {
      expect(Number.isFinite(readSample(second.text, name)), name).toBe(true);
    }
    const worker = /^gatehouse_worker_info\{worker="(\d+)"\} 1$/m.exec(second.text)?.[1];
    expect(worker).toBeDefined();
    for (const name of ["p50", "p99", "max"]) {
      const series = `gatehouse_event_loop_delay_${name}_seconds{worker="${worker}"}`;
      expect(Number.isFinite(readSample(second.text, series)), series).toBe(true);
    }
    // The first scrape's own request was counted by the time the second one rendered.
    expect(
      readSample(second.text, 'gatehouse_http_request_duration_seconds_count{method="GET",route="/metrics",status="200"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(second.text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(second.text).not.toContain(token.secret);
  });
});
