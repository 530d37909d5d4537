/** Every /api2/json route, in one list the app mounts and tests enumerate. */
import { aclRoutes } from "./access/acl.js";
import { domainRoutes } from "./access/domains.js";
import { passwordRoutes } from "./access/password.js";
import { permissionRoutes } from "./access/permissions.js";
import { roleRoutes } from "./access/roles.js";
import { ticketRoutes } from "./access/ticket.js";
import { tokenRoutes } from "./access/tokens.js";
import { userRoutes } from "./access/users.js";
import type { ApiRoute } from "./route.js";
import { versionRoutes } from "./version.js";

export const API_PREFIX = "/api2/json";

export const API_ROUTES: readonly ApiRoute[] = [
  ...versionRoutes,
  ...domainRoutes,
  ...ticketRoutes,
  ...userRoutes,
  ...passwordRoutes,
  ...tokenRoutes,
  ...aclRoutes,
  ...permissionRoutes,
  ...roleRoutes,
];
