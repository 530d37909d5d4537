/** /access/acl: read and change ACL entries for users and tokens. */
import { z } from "zod";
import { createParameterError } from "../../errors.js";
import { pbsBoolean, text } from "../../params.js";
import { defineRoute, type ApiRoute } from "../route.js";
import { aclPath, authId, digest, roleId } from "./fields.js";

export const readSchema = z.strictObject({ path: aclPath().optional(), exact: pbsBoolean().optional() });

export const updateSchema = z.strictObject({
  path: aclPath(),
  role: roleId(),
  "auth-id": authId(),
  propagate: pbsBoolean().optional(),
  delete: pbsBoolean().optional(),
  digest: digest().optional(),
  // PBS takes `group` and refuses it: groups are not supported there either.
  group: text({ min: 1, max: 64 }).optional(),
});

export const aclRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/access/acl",
    summary: "list ACL entries",
    auth: "required",
    params: readSchema,
    async handle({ input, accessControl, auth }) {
      return accessControl.readAcl(auth, input);
    },
  }),
  defineRoute({
    method: "PUT",
    path: "/access/acl",
    summary: "add or (with delete) remove an ACL entry",
    auth: "required",
    params: updateSchema,
    async handle({ input, accessControl, auth }) {
      const { "auth-id": target, propagate, group, ...rest } = input;
      if (group !== undefined) throw createParameterError({ group: "groups are currently not supported" });
      await accessControl.updateAcl(auth, { ...rest, authId: target, propagate: propagate ?? true });
      return { data: null };
    },
  }),
];
