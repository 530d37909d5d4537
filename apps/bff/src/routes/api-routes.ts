/** Every /api2/json route, in one list the app mounts and tests enumerate. */
import { aclRoutes } from "./access/acl.js";
import { auditRoutes } from "./access/audit.js";
import { domainRoutes } from "./access/domains.js";
import { passwordRoutes } from "./access/password.js";
import { permissionRoutes } from "./access/permissions.js";
import { roleRoutes } from "./access/roles.js";
import { tfaRoutes } from "./access/tfa.js";
import { ticketRoutes } from "./access/ticket.js";
import { tokenRoutes } from "./access/tokens.js";
import { userRoutes } from "./access/users.js";
import { createIndexRoutes } from "./index-routes.js";
import type { ApiRoute } from "./route.js";
import { versionRoutes } from "./version.js";

/** Everything under here is the API: a miss is an API 404, never the SPA. */
export const API_ROOT = "/api2";
export const API_PREFIX = "/api2/json";
/** The same routes with PBS's ExtJS formatter; the console uses it (docs/decisions/015-api-formats.md). */
export const EXTJS_API_PREFIX = "/api2/extjs";

const RESOURCE_ROUTES: readonly ApiRoute[] = [
  ...versionRoutes,
  ...domainRoutes,
  ...ticketRoutes,
  ...userRoutes,
  ...passwordRoutes,
  ...tokenRoutes,
  ...aclRoutes,
  ...permissionRoutes,
  ...roleRoutes,
  ...tfaRoutes,
  ...auditRoutes,
];

export const API_ROUTES: readonly ApiRoute[] = [...RESOURCE_ROUTES, ...createIndexRoutes(RESOURCE_ROUTES)];
