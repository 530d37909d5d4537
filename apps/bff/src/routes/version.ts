/** GET /version: any valid ticket or token may ask which server this is. */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { defineRoute, type ApiRoute } from "./route.js";

export interface VersionInfo {
  version: string;
  release: string;
  repoid: string;
}

/** The bff package's version, e.g. `0.1.0`. */
export function readPackageVersion(): string {
  // src/routes and dist/routes both sit two levels below the package root.
  const manifest: unknown = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  return z.object({ version: z.string() }).parse(manifest).version;
}

/**
 * PBS reports `major.minor` as the version and the rest as the release; Gatehouse
 * has no repository id at runtime, so it names itself there.
 */
export function readVersionInfo(): VersionInfo {
  const version = readPackageVersion();
  const [major = "0", minor = "0", ...rest] = version.split(".");
  return { version: `${major}.${minor}`, release: rest.join(".") || "0", repoid: "gatehouse" };
}

const VERSION_INFO = readVersionInfo();
const noParams = z.strictObject({});

export const versionRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/version",
    summary: "server version",
    auth: "required",
    params: noParams,
    handle() {
      return { data: VERSION_INFO };
    },
  }),
];
