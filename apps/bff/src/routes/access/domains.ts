/** GET /access/domains: the realms, for the login page; needs no authentication. */
import { z } from "zod";
import { parseParams } from "../../params.js";
import type { ApiRoute } from "../route.js";

const noParams = z.strictObject({});

export const domainRoutes: readonly ApiRoute[] = [
  {
    method: "GET",
    path: "/access/domains",
    summary: "list authentication realms",
    auth: "none",
    handle({ params, accessControl }) {
      parseParams(noParams, params);
      return { data: accessControl.listDomains() };
    },
  },
];
