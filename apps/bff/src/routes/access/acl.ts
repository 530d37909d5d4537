/** /access/acl: read and change ACL entries for users and tokens. */
import { z } from "zod";
import { parseParams, pbsBoolean } from "../../params.js";
import type { ApiRoute } from "../route.js";
import { aclPath, authId, digest, roleId } from "./fields.js";

const readSchema = z.strictObject({ path: aclPath().optional(), exact: pbsBoolean().optional() });

const updateSchema = z.strictObject({
  path: aclPath(),
  role: roleId(),
  "auth-id": authId(),
  propagate: pbsBoolean().optional(),
  delete: pbsBoolean().optional(),
  digest: digest().optional(),
});

export const aclRoutes: readonly ApiRoute[] = [
  {
    method: "GET",
    path: "/access/acl",
    summary: "list ACL entries",
    auth: "required",
    async handle({ params, accessControl, auth }) {
      const input = parseParams(readSchema, params);
      return accessControl.readAcl(auth, input);
    },
  },
  {
    method: "PUT",
    path: "/access/acl",
    summary: "add or (with delete) remove an ACL entry",
    auth: "required",
    async handle({ params, accessControl, auth }) {
      const { "auth-id": target, propagate, ...rest } = parseParams(updateSchema, params);
      await accessControl.updateAcl(auth, { ...rest, authId: target, propagate: propagate ?? true });
      return { data: null };
    },
  },
];
