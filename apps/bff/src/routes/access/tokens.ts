/**
 * /access/users/:userid/token[/:tokenname]: API tokens. A new or regenerated secret
 * appears in exactly one response and is never logged.
 */
import { z } from "zod";
import { ROTATION_GRACE_MAX_S } from "@gatehouse/auth-core";
import { formInteger, pbsBoolean, propertyList } from "../../params.js";
import { defineRoute, type ApiRoute } from "../route.js";
import { tokenListFields, toTokenListQuery, unusedDaysField } from "./list-query.js";
import { comment, digest, expire, tokenName, userid } from "./fields.js";

export const listSchema = z.strictObject({ userid: userid(), ...tokenListFields, ...unusedDaysField });
export const listAllSchema = z.strictObject({ ...tokenListFields, ...unusedDaysField });
export const oneSchema = z.strictObject({ userid: userid(), tokenname: tokenName() });

export const createSchema = z.strictObject({
  userid: userid(),
  tokenname: tokenName(),
  comment: comment().optional(),
  enable: pbsBoolean().optional(),
  expire: expire().optional(),
});

export const updateSchema = z.strictObject({
  userid: userid(),
  tokenname: tokenName(),
  comment: comment().optional(),
  enable: pbsBoolean().optional(),
  expire: expire().optional(),
  delete: propertyList(["comment"]).optional(),
  regenerate: pbsBoolean().optional(),
  grace: formInteger({ min: 0, max: ROTATION_GRACE_MAX_S })
    .optional()
    .meta({ description: "with regenerate: seconds the replaced secret keeps working (Gatehouse extension); 0 refuses it at once" }),
  digest: digest().optional(),
});

export const deleteSchema = z.strictObject({ userid: userid(), tokenname: tokenName(), digest: digest().optional() });

export const tokenRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/access/users/:userid/token",
    summary: "list a user's tokens; optionally filtered, sorted and paged",
    auth: "required",
    params: listSchema,
    async handle({ input, accessControl, auth }) {
      const { userid: owner, "unused-days": unusedForDays, ...query } = input;
      return accessControl.listTokens(auth, owner, toTokenListQuery(query), unusedForDays);
    },
  }),
  defineRoute({
    method: "GET",
    path: "/access/tokens",
    summary: "every token the caller may see, with its status (Gatehouse extension); optionally filtered, sorted and paged",
    auth: "required",
    params: listAllSchema,
    async handle({ input, accessControl, auth }) {
      const { "unused-days": unusedForDays, ...query } = input;
      return accessControl.listAllTokens(auth, toTokenListQuery(query), unusedForDays);
    },
  }),
  defineRoute({
    method: "GET",
    path: "/access/users/:userid/token/:tokenname",
    summary: "read a token",
    auth: "required",
    params: oneSchema,
    async handle({ input, accessControl, auth }) {
      return accessControl.readToken(auth, input.userid, input.tokenname);
    },
  }),
  defineRoute({
    method: "POST",
    path: "/access/users/:userid/token/:tokenname",
    summary: "create a token; the secret is returned only here",
    auth: "required",
    params: createSchema,
    async handle({ input, accessControl, auth }) {
      const { userid: owner, tokenname, ...options } = input;
      return { data: await accessControl.createToken(auth, owner, tokenname, options) };
    },
  }),
  defineRoute({
    method: "PUT",
    path: "/access/users/:userid/token/:tokenname",
    summary: "update a token, or regenerate its secret",
    auth: "required",
    params: updateSchema,
    async handle({ input, accessControl, auth }) {
      const { userid: owner, tokenname, ...changes } = input;
      return { data: await accessControl.updateToken(auth, owner, tokenname, changes) };
    },
  }),
  defineRoute({
    method: "DELETE",
    path: "/access/users/:userid/token/:tokenname",
    summary: "delete a token and its ACL entries",
    auth: "required",
    params: deleteSchema,
    async handle({ input, accessControl, auth }) {
      await accessControl.deleteToken(auth, input.userid, input.tokenname, input.digest);
      return { data: null };
    },
  }),
];
