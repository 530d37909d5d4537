/**
 * `GET /access/tfa`: every user's second factors and lockout state with Sys.Audit on
 * /access/users, else only the caller's own (PBS's src/api2/access/tfa.rs). The
 * screen reads the caller's own factors from the same answer, so one request
 * serves both tables.
 */
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api-client.js";
import { accessKeys } from "../../../lib/query-keys.js";
import type { WireTfaEntry, WireTfaUser } from "../../../lib/wire.js";

export type FactorType = "totp" | "webauthn" | "recovery" | "other";

export interface FactorRow {
  type: FactorType;
  id: string;
  description: string;
  /** Epoch seconds. */
  created: number;
  enabled: boolean;
  /** Recovery keys left; null for other kinds. */
  available: number | null;
}

export interface TfaUserRow {
  userid: string;
  factors: FactorRow[];
  totpLocked: boolean;
  /** Epoch seconds until which every factor is refused, or null. */
  lockedUntil: number | null;
}

// Under the users root: deleting a user (which drops its factors) refreshes this too.
export const tfaKeys = {
  all: [...accessKeys.users, "tfa"] as const,
};

function toFactorType(type: string): FactorType {
  return type === "totp" || type === "webauthn" || type === "recovery" ? type : "other";
}

export function toFactorRow(entry: WireTfaEntry): FactorRow {
  return {
    type: toFactorType(entry.type),
    id: entry.id,
    description: entry.description ?? "",
    created: entry.created,
    enabled: entry.enable === undefined ? true : Boolean(entry.enable),
    available: entry.type === "recovery" ? (entry.available ?? 0) : null,
  };
}

export function toTfaUserRow(user: WireTfaUser): TfaUserRow {
  return {
    userid: user.userid,
    factors: user.entries.map(toFactorRow),
    totpLocked: user["totp-locked"] === true,
    lockedUntil: user["tfa-locked-until"] ?? null,
  };
}

export async function fetchTfaUsers(signal?: AbortSignal): Promise<TfaUserRow[]> {
  const users = await api.request<WireTfaUser[]>("GET", "/access/tfa", { signal });
  return users.map(toTfaUserRow);
}

export function tfaUsersQueryOptions() {
  return queryOptions({ queryKey: [...tfaKeys.all, "list"] as const, queryFn: ({ signal }) => fetchTfaUsers(signal) });
}

export function useTfaUsers() {
  return useQuery(tfaUsersQueryOptions());
}
