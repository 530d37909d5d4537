/**
 * GET /access/audit: the audit log (issue 14, a Gatehouse extension; PBS has none).
 * Needs Sys.Audit on `/system`. Newest first, filtered and paged like the listings:
 * `limit`, `start`, and the filters `since`/`until` (epoch seconds), `actor`,
 * `target` (a userid also matches its tokens), `action` (an area such as `token`
 * matches all its actions) and `outcome`.
 */
import { z } from "zod";
import { AUDIT_LIMIT_MAX, AUDIT_OUTCOMES } from "@gatehouse/auth-core";
import { formInteger, oneOf, text } from "../../params.js";
import { defineRoute, type ApiRoute } from "../route.js";

const epochSeconds = () => formInteger({ min: 0, max: 253_402_300_799 });

export const auditSchema = z.strictObject({
  limit: formInteger({ min: 1, max: AUDIT_LIMIT_MAX }).optional(),
  start: formInteger({ min: 0, max: Number.MAX_SAFE_INTEGER }).optional(),
  since: epochSeconds().optional().meta({ description: "records at or after this epoch second" }),
  until: epochSeconds().optional().meta({ description: "records before this epoch second" }),
  actor: text({ min: 1, max: 256 }).optional(),
  target: text({ min: 1, max: 256 }).optional(),
  action: text({ min: 1, max: 128 }).optional(),
  outcome: oneOf(AUDIT_OUTCOMES).optional(),
});

export const auditRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/access/audit",
    summary: "the audit log, newest first; filtered by time, actor, target, action and outcome, and paged (Gatehouse extension)",
    auth: "required",
    params: auditSchema,
    async handle({ input, accessControl, auth }) {
      const query = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
      return accessControl.readAudit(auth, query);
    },
  }),
];
