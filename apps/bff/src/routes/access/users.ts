/** /access/users: list, create, read, update and delete users. */
import { z } from "zod";
import { pbsBoolean, propertyList } from "../../params.js";
import { defineRoute, type ApiRoute } from "../route.js";
import { toUserListQuery, unusedDaysField, userListFields } from "./list-query.js";
import { comment, digest, email, expire, password, personName, userid } from "./fields.js";

export const listSchema = z.strictObject({ include_tokens: pbsBoolean().optional(), ...userListFields, ...unusedDaysField });

export const createSchema = z.strictObject({
  userid: userid(),
  password: password().optional(),
  enable: pbsBoolean().optional(),
  expire: expire().optional(),
  comment: comment().optional(),
  firstname: personName().optional(),
  lastname: personName().optional(),
  email: email().optional(),
});

export const readSchema = z.strictObject({ userid: userid() });

// An update takes every create field, plus properties to clear and the digest.
export const updateSchema = createSchema.extend({
  delete: propertyList(["comment", "firstname", "lastname", "email"]).optional(),
  digest: digest().optional(),
});

export const deleteSchema = z.strictObject({ userid: userid(), digest: digest().optional() });

const endSessionsSchema = z.strictObject({ userid: userid() });

export const userRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/access/users",
    summary: "list users, optionally with their tokens; optionally filtered, sorted and paged",
    auth: "required",
    params: listSchema,
    async handle({ input, accessControl, auth }) {
      const { include_tokens: includeTokens, "unused-days": unusedForDays, ...query } = input;
      return accessControl.listUsers(auth, {
        includeTokens: includeTokens ?? false,
        query: toUserListQuery(query),
        ...(unusedForDays === undefined ? {} : { unusedForDays }),
      });
    },
  }),
  defineRoute({
    method: "POST",
    path: "/access/users",
    summary: "create a user",
    auth: "required",
    params: createSchema,
    async handle({ input, accessControl, auth }) {
      await accessControl.createUser(auth, input);
      return { data: null };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/access/users/:userid",
    summary: "read a user",
    auth: "required",
    params: readSchema,
    async handle({ input, accessControl, auth }) {
      return accessControl.readUser(auth, input.userid);
    },
  }),
  defineRoute({
    method: "PUT",
    path: "/access/users/:userid",
    summary: "update a user",
    auth: "required",
    params: updateSchema,
    async handle({ input, accessControl, auth }) {
      const { userid: target, ...changes } = input;
      await accessControl.updateUser(auth, target, changes);
      return { data: null };
    },
  }),
  defineRoute({
    method: "DELETE",
    path: "/access/users/:userid",
    summary: "delete a user with its tokens and ACL entries",
    auth: "required",
    params: deleteSchema,
    async handle({ input, accessControl, auth }) {
      await accessControl.deleteUser(auth, input.userid, input.digest);
      return { data: null };
    },
  }),
  defineRoute({
    // Not in PBS: "end all sessions" (issue 15, finding 7). Tickets issued to the
    // user before now are refused from the next request on; tokens keep working.
    method: "POST",
    path: "/access/users/:userid/end-sessions",
    summary: "end every session (ticket) of a user",
    auth: "required",
    params: endSessionsSchema,
    async handle({ input, accessControl, auth }) {
      await accessControl.endSessions(auth, input.userid);
      return { data: null };
    },
  }),
];
