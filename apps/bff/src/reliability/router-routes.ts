/**
 * Lists what an Express 5 app actually serves by walking its router stack, rather
 * than trusting the route table the app was built from: a route mounted by hand,
 * outside API_ROUTES, shows up here too. Reads the internals of the `router`
 * package (Layer.route, Layer.handle.stack, Layer.rawPath); if a new Express
 * version changes them, listing finds nothing and the tests that use it fail loudly.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Express } from "express";
import { AccessControl, openFileStore } from "@gatehouse/auth-core";
import { createApp } from "../app.js";
import { createLogger } from "../logger.js";
import { FakeHasher } from "@gatehouse/auth-core/testing";

export interface RouterRoute {
  /** Upper-case HTTP method. */
  method: string;
  /** Mount prefixes joined with the route path, in Express syntax. */
  path: string;
  /** Names of the route's handlers in order, e.g. csrfProtectedApiRouteHandler. */
  handlers: string[];
}

export interface RouterListing {
  routes: RouterRoute[];
  /** Names of non-route middleware (`app.use`), prefixed with their mount path. */
  middleware: string[];
}

interface LayerLike {
  name?: string;
  rawPath?: unknown;
  route?: { path?: unknown; methods?: Record<string, boolean>; stack?: LayerLike[] };
  handle?: { stack?: LayerLike[]; name?: string };
}

export function listRouterRoutes(app: Express): RouterListing {
  const root = (app as unknown as { router?: { stack?: LayerLike[] } }).router;
  if (root?.stack === undefined) throw new Error("listRouterRoutes: this Express app has no router stack to inspect");
  const listing: RouterListing = { routes: [], middleware: [] };
  walk(root.stack, "", listing);
  return listing;
}

function walk(stack: LayerLike[], prefix: string, listing: RouterListing): void {
  for (const layer of stack) {
    const mount = typeof layer.rawPath === "string" && layer.rawPath !== "/" ? layer.rawPath : "";
    if (layer.route !== undefined) {
      const path = `${prefix}${String(layer.route.path)}`;
      const handlers = (layer.route.stack ?? []).map((inner) => inner.name ?? "anonymous");
      for (const [method, enabled] of Object.entries(layer.route.methods ?? {})) {
        if (enabled) listing.routes.push({ method: method.toUpperCase(), path, handlers });
      }
    } else if (Array.isArray(layer.handle?.stack)) {
      listing.middleware.push(`${prefix}${mount || "/"} router`);
      walk(layer.handle.stack, `${prefix}${mount}`, listing);
    } else {
      listing.middleware.push(`${prefix}${mount || "/"} ${layer.name ?? "anonymous"}`);
    }
  }
}

/** What the server's app serves: createApp built as main builds it, on a throwaway data dir. */
export async function listServedRoutes(): Promise<RouterListing> {
  const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-router-"));
  const store = await openFileStore({ dataDir });
  const accessControl = await AccessControl.open({ store, hasher: new FakeHasher() });
  try {
    return listRouterRoutes(createApp({ accessControl, logger: createLogger({ level: "silent" }) }));
  } finally {
    await accessControl.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
