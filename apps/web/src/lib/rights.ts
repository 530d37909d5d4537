/**
 * What the logged-in user may do, read from the server (`GET /access/permissions`
 * for the caller, on the paths the access API checks), so the console can hide or
 * disable what would be refused and say why. The server stays the authority: these
 * only spare the user a form that ends in a 403, and a 403 refetches them
 * (app/query-client.ts). The rules mirror auth-core's account-authority.ts and
 * access-control.ts (and PBS's src/api2/access/{user,acl,mod}.rs).
 */
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "./api-client.js";
import { accessKeys } from "./query-keys.js";
import { useSessionState } from "./session.js";

/** The privileges the caller holds on each path the console's actions depend on. */
export interface CallerRights {
  userid: string;
  /** Permissions.Modify on /access/users: manage other accounts, their tokens and sessions. */
  modifyUsers: boolean;
  /** Sys.Audit on /access/users: see every user and token, not only one's own. */
  auditUsers: boolean;
  /** Permissions.Modify on /access/acl: add and remove any ACL entry. */
  modifyAcl: boolean;
  /** Sys.Audit on /access: read another user's or token's effective permissions. */
  auditAccess: boolean;
  /** Sys.Audit on /system: read the audit log (issue 14). */
  auditSystem: boolean;
}

const CHECKED_PATHS = ["/access/users", "/access/acl", "/access", "/system"] as const;

type PermissionMap = Record<string, Record<string, unknown>>;

async function heldOn(path: string, signal?: AbortSignal): Promise<ReadonlySet<string>> {
  // With an explicit path the answer is exact: the path is absent when nothing is held there.
  const map = await api.request<PermissionMap>("GET", "/access/permissions", { query: { path }, signal });
  return new Set(Object.keys(map[path] ?? {}));
}

export async function fetchCallerRights(userid: string, signal?: AbortSignal): Promise<CallerRights> {
  const [users, acl, access, system] = await Promise.all(CHECKED_PATHS.map((path) => heldOn(path, signal)));
  return {
    userid,
    modifyUsers: users?.has("Permissions.Modify") === true,
    auditUsers: users?.has("Sys.Audit") === true,
    modifyAcl: acl?.has("Permissions.Modify") === true,
    auditAccess: access?.has("Sys.Audit") === true,
    auditSystem: system?.has("Sys.Audit") === true,
  };
}

export function callerRightsQueryOptions(userid: string) {
  return queryOptions({
    // Under the permissions root: an ACL change invalidates it with the other permission views.
    queryKey: [...accessKeys.permissions, "caller", userid] as const,
    queryFn: ({ signal }) => fetchCallerRights(userid, signal),
  });
}

/** The caller's rights, or null while they load (or failed: then nothing is hidden and the server decides). */
export function useCallerRights(): CallerRights | null {
  const userid = useSessionState().session?.username ?? "";
  const query = useQuery({ ...callerRightsQueryOptions(userid), enabled: userid !== "" });
  return query.data ?? null;
}

const NEEDS_USER_ADMIN = "You need Permissions.Modify on /access/users";

/** An action on a user account, as auth-core's account-authority.ts names them. */
export type AccountAction = "update" | "delete" | "set-password" | "manage-tokens" | "end-sessions" | "manage-tfa" | "unlock-tfa";

// Unlocking a second factor is never self-service: a locked-out user asks an admin (decision 026).
const SELF_SERVICE: ReadonlySet<AccountAction> = new Set(["set-password", "manage-tokens", "end-sessions", "manage-tfa"]);

const ACTION_WORDS: Record<AccountAction, string> = {
  update: "to edit user accounts",
  delete: "to delete users",
  "set-password": "to change another user's password",
  "manage-tokens": "to manage another user's tokens",
  "end-sessions": "to end another user's sessions",
  "manage-tfa": "to remove another user's second factors",
  "unlock-tfa": "to unlock a user's second factors",
};

/**
 * Why `rights` cannot take `action` on `targetUserid`'s account, or null when it may
 * (or its rights are not known yet). A user looks after its own password, tokens and
 * sessions; everything else needs Permissions.Modify on /access/users.
 */
export function accountActionRefusal(rights: CallerRights | null, targetUserid: string, action: AccountAction): string | null {
  if (rights === null || rights.modifyUsers) return null;
  if (rights.userid === targetUserid && SELF_SERVICE.has(action)) return null;
  return `${NEEDS_USER_ADMIN} ${ACTION_WORDS[action]}.`;
}

export function addUserRefusal(rights: CallerRights | null): string | null {
  return rights === null || rights.modifyUsers ? null : `${NEEDS_USER_ADMIN} to add users.`;
}

/** Without Permissions.Modify on /access/acl a user may still change entries of its own API tokens (PBS's acl.rs). */
export function removeAclEntryRefusal(rights: CallerRights | null, ugid: string): string | null {
  if (rights === null || rights.modifyAcl) return null;
  if (ugid.startsWith(`${rights.userid}!`)) return null;
  return "You need Permissions.Modify on /access/acl to remove this entry; without it you can change only your own tokens' entries.";
}

/** Reading a token's effective permissions: one's own tokens, or anyone's with Sys.Audit on /access. */
export function tokenPermissionsRefusal(rights: CallerRights | null, tokenUserid: string): string | null {
  if (rights === null || rights.auditAccess || rights.userid === tokenUserid) return null;
  return "You need Sys.Audit on /access to see another user's token permissions.";
}

/** The audit log and every record's history need Sys.Audit on /system (decision 030). */
export function auditLogRefusal(rights: CallerRights | null): string | null {
  return rights === null || rights.auditSystem ? null : "You need Sys.Audit on /system to read the audit log.";
}
