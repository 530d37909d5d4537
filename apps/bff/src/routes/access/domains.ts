/** GET /access/domains: the realms, for the login page; needs no authentication. */
import { z } from "zod";
import { defineRoute, type ApiRoute } from "../route.js";

const noParams = z.strictObject({});

export const domainRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/access/domains",
    summary: "list authentication realms",
    auth: "none",
    params: noParams,
    handle({ accessControl }) {
      return { data: accessControl.listDomains() };
    },
  }),
];
