/**
 * GET /metrics: Prometheus text for an authenticated caller with Sys.Audit on
 * /system. It sits outside /api2/json because Prometheus expects it there and its
 * body is not the `{data}` envelope; a scraper authenticates with an API token
 * (`authorization: {type: PBSAPIToken, credentials: ...}` in Prometheus).
 */
import type { RequestHandler } from "express";
import type { AccessControl } from "@gatehouse/auth-core";
import type { EventLoopDelayMonitor } from "../event-loop-delay.js";
import { readAuth } from "../middleware/authenticate.js";
import { formatMetrics, PROMETHEUS_CONTENT_TYPE } from "../metrics.js";

export const METRICS_PATH = "/metrics";

export interface MetricsHandlerOptions {
  accessControl: AccessControl;
  /** Null: the event-loop series are left out. */
  eventLoopDelay: EventLoopDelayMonitor | null;
}

export function createMetricsHandler(options: MetricsHandlerOptions): RequestHandler {
  const { accessControl, eventLoopDelay } = options;
  if (typeof accessControl?.readMetrics !== "function") {
    throw new TypeError("createMetricsHandler: pass { accessControl }, an AccessControl from AccessControl.open()");
  }
  return async function metricsHandler(req, res) {
    // Checked before the event-loop window is read: a refused caller must not reset it.
    const auth = await accessControl.readMetrics(readAuth(req));
    const body = formatMetrics({ auth, eventLoop: eventLoopDelay?.readAndReset() ?? null, pid: process.pid });
    res.status(200).setHeader("Cache-Control", "no-store").type(PROMETHEUS_CONTENT_TYPE).send(body);
  };
}
