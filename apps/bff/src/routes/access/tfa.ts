/**
 * Second factors on PBS's paths and shapes (proxmox-backup src/api2/access/tfa.rs):
 * `GET /access/tfa`, `GET|POST /access/tfa/{userid}`,
 * `GET|PUT|DELETE /access/tfa/{userid}/{id}`, and the admin's
 * `PUT /access/users/{userid}/unlock-tfa` (src/api2/access/user.rs). Every rule is
 * auth-core's (TwoFactor); these routes only parse and forward.
 */
import { z } from "zod";
import { readSource } from "../../middleware/authenticate.js";
import { oneOf, pbsBoolean, text } from "../../params.js";
import { defineRoute, type ApiRoute } from "../route.js";
import { password, userid } from "./fields.js";

const TFA_TYPES = ["totp", "webauthn", "recovery", "u2f", "yubico"] as const;
// A WebAuthn registration response with its attestation object fits easily.
const MAX_RESPONSE_LENGTH = 16 * 1024;

const entryId = () => text({ min: 1, max: 64 }).meta({ description: "the entry's id; `recovery` for the recovery keys" });

export const listAllSchema = z.strictObject({});
export const listUserSchema = z.strictObject({ userid: userid() });
export const addSchema = z.strictObject({
  userid: userid(),
  type: oneOf(TFA_TYPES),
  description: text({ max: 255 }).optional(),
  totp: text({ min: 1, max: 1024 }).optional().meta({ description: "an otpauth://totp/ URI" }),
  value: text({ min: 1, max: MAX_RESPONSE_LENGTH })
    .optional()
    .meta({ description: "the current TOTP code for `totp`, or the WebAuthn registration response (JSON)" }),
  challenge: text({ min: 1, max: MAX_RESPONSE_LENGTH }).optional().meta({ description: "WebAuthn: the challenge the first POST returned" }),
  password: password().optional().meta({ description: "the caller's own password" }),
});
export const entrySchema = z.strictObject({ userid: userid(), id: entryId() });
export const updateSchema = z.strictObject({
  userid: userid(),
  id: entryId(),
  description: text({ max: 255 }).optional(),
  enable: pbsBoolean().optional(),
  password: password().optional(),
});
export const deleteSchema = z.strictObject({ userid: userid(), id: entryId(), password: password().optional() });
export const unlockSchema = z.strictObject({ userid: userid() });

export const tfaRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/access/tfa",
    summary: "list second factors: everyone's with Sys.Audit on /access/users, else one's own",
    auth: "required",
    params: listAllSchema,
    async handle({ accessControl, auth }) {
      return { data: await accessControl.twoFactor.listAll(auth) };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/access/tfa/:userid",
    summary: "list a user's second factors",
    auth: "required",
    params: listUserSchema,
    async handle({ input, accessControl, auth }) {
      return { data: await accessControl.twoFactor.listUser(auth, input.userid) };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/access/tfa/:userid",
    summary: "add a second factor (TOTP, recovery keys, or a WebAuthn registration in two steps)",
    auth: "required",
    params: addSchema,
    async handle({ input, accessControl, auth, req }) {
      const { userid: target, ...rest } = input;
      return { data: await accessControl.twoFactor.addEntry(auth, target, rest, readSource(req)) };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/access/tfa/:userid/:id",
    summary: "read one second factor",
    auth: "required",
    params: entrySchema,
    async handle({ input, accessControl, auth }) {
      return { data: await accessControl.twoFactor.readEntry(auth, input.userid, input.id) };
    },
  }),
  defineRoute({
    method: "PUT",
    path: "/access/tfa/:userid/:id",
    summary: "change a second factor's description or enable flag",
    auth: "required",
    params: updateSchema,
    async handle({ input, accessControl, auth, req }) {
      const { userid: target, id, ...rest } = input;
      await accessControl.twoFactor.updateEntry(auth, target, id, rest, readSource(req));
      return { data: null };
    },
  }),
  defineRoute({
    method: "DELETE",
    path: "/access/tfa/:userid/:id",
    summary: "remove a second factor",
    auth: "required",
    params: deleteSchema,
    async handle({ input, accessControl, auth, req }) {
      await accessControl.twoFactor.deleteEntry(auth, input.userid, input.id, input.password, readSource(req));
      return { data: null };
    },
  }),
  defineRoute({
    method: "PUT",
    path: "/access/users/:userid/unlock-tfa",
    summary: "clear a user's TOTP lock and second-factor lockout",
    auth: "required",
    params: unlockSchema,
    async handle({ input, accessControl, auth }) {
      return { data: await accessControl.twoFactor.unlock(auth, input.userid) };
    },
  }),
];
