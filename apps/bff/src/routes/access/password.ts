/** PUT /access/password: set a user's password. */
import { z } from "zod";
import { defineRoute, type ApiRoute } from "../route.js";
import { password, userid } from "./fields.js";

export const setSchema = z.strictObject({ userid: userid(), password: password() });

export const passwordRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: "PUT",
    path: "/access/password",
    summary: "set a user's password",
    auth: "required",
    params: setSchema,
    async handle({ input, accessControl, auth }) {
      await accessControl.setPassword(auth, input.userid, input.password);
      return { data: null };
    },
  }),
];
