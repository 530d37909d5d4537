/**
 * GET /access/roles: PBS's built-in roles with their privileges (src/api2/access/role.rs).
 * Any authenticated caller may list them, as in PBS (`Permission::Anybody`).
 */
import { z } from "zod";
import { listRoles } from "@gatehouse/auth-core";
import { parseParams } from "../../params.js";
import type { ApiRoute } from "../route.js";

const noParams = z.strictObject({});

export const roleRoutes: readonly ApiRoute[] = [
  {
    method: "GET",
    path: "/access/roles",
    summary: "list roles and the privileges each grants",
    auth: "required",
    handle({ params }) {
      parseParams(noParams, params);
      return { data: listRoles() };
    },
  },
];
