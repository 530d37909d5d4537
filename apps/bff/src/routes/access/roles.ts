/**
 * GET /access/roles: PBS's built-in roles with their privileges (src/api2/access/role.rs).
 * Any authenticated caller may list them, as in PBS (`Permission::Anybody`).
 */
import { z } from "zod";
import { listRoles } from "@gatehouse/auth-core";
import { defineRoute, type ApiRoute } from "../route.js";

const noParams = z.strictObject({});

export const roleRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/access/roles",
    summary: "list roles and the privileges each grants",
    auth: "required",
    params: noParams,
    handle() {
      return { data: listRoles() };
    },
  }),
];
