/**
 * Directory listings and the liveness check PBS serves beside the real routes:
 * `GET /access` lists its subdirectories as proxmox-router's `list_subdirs_api_method`
 * does (`[{"subdir": "acl"}, ...]`, sorted, any authenticated caller), and
 * `GET /ping` answers `{"pong": true}` to anyone (src/api2/ping.rs).
 */
import { z } from "zod";
import { defineRoute, type ApiRoute } from "./route.js";

const noParams = z.strictObject({});

/** The first path component under `prefix` of every route, sorted and without duplicates. */
export function listSubdirs(routes: readonly Pick<ApiRoute, "path">[], prefix: string): string[] {
  const subdirs = new Set<string>();
  for (const route of routes) {
    if (!route.path.startsWith(`${prefix}/`)) continue;
    const subdir = route.path.slice(prefix.length + 1).split("/")[0] ?? "";
    // A path parameter is not a directory name a client could list.
    if (subdir !== "" && !subdir.startsWith(":")) subdirs.add(subdir);
  }
  return [...subdirs].sort();
}

/** `GET /access` over whatever the given routes serve below it, and `GET /ping`. */
export function createIndexRoutes(routes: readonly ApiRoute[]): ApiRoute[] {
  const accessIndex = Object.freeze(listSubdirs(routes, "/access").map((subdir) => Object.freeze({ subdir })));
  return [
    defineRoute({
      method: "GET",
      path: "/access",
      summary: "list the subdirectories of /access",
      auth: "required",
      params: noParams,
      handle() {
        return { data: accessIndex };
      },
    }),
    defineRoute({
      method: "GET",
      path: "/ping",
      summary: "liveness check; needs no authentication",
      auth: "none",
      params: noParams,
      handle() {
        return { data: { pong: true } };
      },
    }),
  ];
}
