/**
 * The wire types of every /api2/json route, derived from the route schemas and the
 * AccessControl results the routes return, for `@gatehouse/client` (type-only: it
 * is exported as `@gatehouse/bff/wire` and erased at build time, so a browser bundle
 * pulls in no server code). Parameters are typed as the schemas' *output*: the
 * canonical JSON values (booleans, numbers, arrays) that every schema also accepts
 * as input, where the input side (`unknown`, for form strings) would say nothing.
 */
import type { z } from "zod";
import type { AccessControl, listRoles, LoginSuccess, TfaChallenge, TfaEntryView, TfaUpdateInfo, TfaUserView } from "@gatehouse/auth-core";
import type * as acl from "./access/acl.js";
import type * as audit from "./access/audit.js";
import type * as password from "./access/password.js";
import type * as permissions from "./access/permissions.js";
import type * as tfa from "./access/tfa.js";
import type * as ticket from "./access/ticket.js";
import type * as tokens from "./access/tokens.js";
import type * as users from "./access/users.js";
import type { VersionInfo } from "./version.js";

type Result<M extends keyof AccessControl> = AccessControl[M] extends (...args: never[]) => infer R ? Awaited<R> : never;

export type LoginParams = z.output<typeof ticket.loginSchema>;
/** The legacy flow's body: the ticket is readable. */
export type LegacyLoginData = Pick<LoginSuccess, "username" | "ticket" | "CSRFPreventionToken">;
/** The HttpOnly flow's body: the ticket is only in the `__Host-` cookie. */
export type HttpOnlyLoginData = Pick<LoginSuccess, "username" | "CSRFPreventionToken"> & { "ticket-info": string };

export type ListUsersParams = z.output<typeof users.listSchema>;
export type CreateUserParams = z.output<typeof users.createSchema>;
export type UpdateUserParams = z.output<typeof users.updateSchema>;
export type DeleteUserParams = z.output<typeof users.deleteSchema>;
export type UserListing = Result<"listUsers">;
export type UserReading = Result<"readUser">;

export type SetPasswordParams = z.output<typeof password.setSchema>;

export type ListTokensParams = z.output<typeof tokens.listSchema>;
export type ListAllTokensParams = z.output<typeof tokens.listAllSchema>;
export type CreateTokenParams = z.output<typeof tokens.createSchema>;
export type UpdateTokenParams = z.output<typeof tokens.updateSchema>;
export type DeleteTokenParams = z.output<typeof tokens.deleteSchema>;
export type TokenListing = Result<"listTokens">;
export type AllTokensListing = Result<"listAllTokens">;
export type TokenReading = Result<"readToken">;
export type CreatedToken = Result<"createToken">;
/** Non-null exactly when `regenerate` was set. */
export type UpdatedToken = Result<"updateToken">;

export type ReadAclParams = z.output<typeof acl.readSchema>;
export type UpdateAclParams = z.output<typeof acl.updateSchema>;
export type AclReading = Result<"readAcl">;

export type ReadAuditParams = z.output<typeof audit.auditSchema>;
/** `GET /access/audit` (Gatehouse extension): one page, newest first, and the count of every match. */
export type AuditReading = Result<"readAudit">;

export type ReadPermissionsParams = z.output<typeof permissions.readSchema>;
export type Permissions = Result<"readPermissions">;

export type Roles = ReturnType<typeof listRoles>;

export type Domains = ReturnType<AccessControl["listDomains"]>;
export type { VersionInfo };

/** The first step of a user with second factors: the partial ticket, in the body in both flows. */
export type PartialLoginData = { username: string; ticket: string; CSRFPreventionToken: "invalid" };
export type AddTfaParams = z.output<typeof tfa.addSchema>;
export type UpdateTfaParams = z.output<typeof tfa.updateSchema>;
export type DeleteTfaParams = z.output<typeof tfa.deleteSchema>;
export type { TfaChallenge, TfaEntryView, TfaUpdateInfo, TfaUserView };
