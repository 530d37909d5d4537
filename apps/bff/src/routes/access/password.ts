/**
 * PUT /access/password: set a user's password. As in PBS (src/api2/access/mod.rs
 * change_password), the caller confirms with its own current password.
 */
import { z } from "zod";
import { readSource } from "../../middleware/authenticate.js";
import { defineRoute, type ApiRoute } from "../route.js";
import { password, userid } from "./fields.js";

export const setSchema = z.strictObject({
  userid: userid(),
  password: password(),
  "confirmation-password": password().optional(),
});

export const passwordRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: "PUT",
    path: "/access/password",
    summary: "set a user's password",
    auth: "required",
    params: setSchema,
    async handle({ input, accessControl, auth, req }) {
      await accessControl.confirmActorPassword(auth, input["confirmation-password"], readSource(req));
      await accessControl.setPassword(auth, input.userid, input.password);
      return { data: null };
    },
  }),
];
