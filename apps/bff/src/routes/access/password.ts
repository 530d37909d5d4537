/** PUT /access/password: set a user's password. */
import { z } from "zod";
import { parseParams } from "../../params.js";
import type { ApiRoute } from "../route.js";
import { password, userid } from "./fields.js";

const setSchema = z.strictObject({ userid: userid(), password: password() });

export const passwordRoutes: readonly ApiRoute[] = [
  {
    method: "PUT",
    path: "/access/password",
    summary: "set a user's password",
    auth: "required",
    async handle({ params, accessControl, auth }) {
      const input = parseParams(setSchema, params);
      await accessControl.setPassword(auth, input.userid, input.password);
      return { data: null };
    },
  },
];
