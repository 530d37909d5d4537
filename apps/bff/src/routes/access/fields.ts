/**
 * Parameter schemas shared by the /access routes, so a userid or a comment is
 * validated the same way wherever it appears. Id rules come from auth-core.
 */
import { z } from "zod";
import {
  ACL_PATH_MAX_LENGTH,
  EXPIRE_MAX,
  parseAuthid,
  parseTokenName,
  parseUserid,
  PASSWORD_MAX_LENGTH,
  ROLE_IDS,
  TEXT_FIELD_MAX_LENGTH,
} from "@gatehouse/auth-core";
import { formInteger, identifier, oneOf, text } from "../../params.js";

export const userid = () => identifier(parseUserid).meta({ description: "a user id, `name@realm`" });
export const authId = () => identifier(parseAuthid).meta({ description: "a user id `name@realm` or an API token id `name@realm!token`" });
export const tokenName = () => identifier(parseTokenName).meta({ description: "the token's name, the part after `!` in its id" });

export const comment = () => text({ max: TEXT_FIELD_MAX_LENGTH });
export const personName = () => text({ max: TEXT_FIELD_MAX_LENGTH });
export const email = () => text({ max: TEXT_FIELD_MAX_LENGTH });
// Passwords are bounded only in length here; strength rules belong to auth-core.
export const password = () => text({ min: 1, max: PASSWORD_MAX_LENGTH });

// Epoch seconds up to the end of year 9999; 0 means "never expires".
export const expire = () => formInteger({ min: 0, max: EXPIRE_MAX }).meta({ description: "expiry in epoch seconds; 0 means never" });

export const roleId = () => oneOf(ROLE_IDS);

/** An ACL path; its structure is checked by auth-core. */
export const aclPath = () => text({ min: 1, max: ACL_PATH_MAX_LENGTH });

/** The SHA-256 config digest a client read, echoed back to detect concurrent edits. */
export const digest = () =>
  text({ min: 1, max: 64 })
    .pipe(z.string().regex(/^[0-9a-f]{64}$/, { error: "expected a 64-digit lowercase hex digest" }))
    .meta({ type: "string", pattern: "^[0-9a-f]{64}$", description: "the config digest from a read; a mismatch answers 409" });
