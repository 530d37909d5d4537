/** GET /access/permissions: effective privileges of the caller or of another auth id. */
import { z } from "zod";
import { defineRoute, type ApiRoute } from "../route.js";
import { aclPath, authId } from "./fields.js";

export const readSchema = z.strictObject({ "auth-id": authId().optional(), path: aclPath().optional() });

export const permissionRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/access/permissions",
    summary: "effective privileges per path",
    auth: "required",
    params: readSchema,
    async handle({ input, accessControl, auth }) {
      const options: { authId?: string; path?: string } = {};
      if (input["auth-id"] !== undefined) options.authId = input["auth-id"];
      if (input.path !== undefined) options.path = input.path;
      return { data: await accessControl.readPermissions(auth, options) };
    },
  }),
];
