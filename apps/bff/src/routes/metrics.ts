/**
 * GET /metrics: Prometheus text for an authenticated caller with Sys.Audit on
 * /system. It sits outside /api2/json because Prometheus expects it there and its
 * body is not the `{data}` envelope; a scraper authenticates with an API token
 * (`authorization: {type: PBSAPIToken, credentials: ...}` in Prometheus). With
 * several workers one scrape is the sum over all of them (cluster-metrics.ts).
 */
import type { RequestHandler } from "express";
import type { AccessControl } from "@gatehouse/auth-core";
import { ApiError } from "../errors.js";
import { readAuth } from "../middleware/authenticate.js";
import { PROMETHEUS_CONTENT_TYPE } from "../metrics.js";

export const METRICS_PATH = "/metrics";

export interface MetricsHandlerOptions {
  accessControl: AccessControl;
  /** The exposition of the whole server: this process's registry, or the cluster's aggregate. */
  scrape: () => Promise<string>;
}

export function createMetricsHandler(options: MetricsHandlerOptions): RequestHandler {
  const { accessControl, scrape } = options;
  if (typeof accessControl?.readMetrics !== "function" || typeof scrape !== "function") {
    throw new TypeError("createMetricsHandler: pass { accessControl, scrape }");
  }
  return async function metricsHandler(req, res) {
    // Checked before anything is collected: a refused caller must not reset the event-loop windows.
    await accessControl.readMetrics(readAuth(req));
    let body: string;
    try {
      body = await scrape();
    } catch (error) {
      throw new ApiError("METRICS_UNAVAILABLE", { retryAfterS: 1 }, { cause: error });
    }
    res.status(200).setHeader("Cache-Control", "no-store").type(PROMETHEUS_CONTENT_TYPE).send(body);
  };
}
