/**
 * The console's reading of the server's JSON: one declaration of each row it uses.
 * The shapes are PBS's, so fields PBS leaves out when they hold the default are
 * optional and flags may come as 0/1. The server's own types
 * (`@gatehouse/client`, derived from the routes) must fit them: the checks at the
 * end fail the typecheck when a route renames or retypes a field the console reads.
 */
import type {
  AclReading,
  AllTokensListing,
  AuditReading,
  Roles,
  TfaEntryView,
  TfaUpdateInfo,
  TfaUserView,
  UserListing,
} from "@gatehouse/client";

export interface WireToken {
  tokenid: string;
  "token-name"?: string;
  enable?: boolean | number;
  expire?: number;
  comment?: string;
  /** The server's effective status (Gatehouse extension). */
  status?: string;
  /** Lifecycle extension fields (issue 14), epoch seconds; absent when unknown or none. */
  created?: number;
  "last-used"?: number;
  "last-used-source"?: string;
  /** While a rotation's overlap runs: from this second on the replaced secret is refused. */
  "previous-secret-until"?: number;
}

export interface WireUser {
  userid: string;
  enable?: boolean | number;
  expire?: number;
  comment?: string;
  firstname?: string;
  lastname?: string;
  email?: string;
  /** With `include_tokens=1`. */
  tokens?: WireToken[];
  /** Lifecycle extension fields (issue 14): creation and the last login, epoch seconds. */
  created?: number;
  "last-used"?: number;
  "last-used-source"?: string;
}

/** One record of `GET /access/audit` (Gatehouse extension, decision 030). */
export interface WireAuditRecord {
  id: number;
  /** Epoch seconds. */
  time: number;
  /** Empty for a failed login: nobody proved who they are. */
  actor: string;
  source?: string;
  action: string;
  target?: string;
  outcome: string;
  requestId?: string;
  detail?: string;
}

export interface WireAclEntry {
  path: string;
  ugid: string;
  ugid_type?: string;
  roleid: string;
  propagate?: boolean | number;
}

/** `GET /access/roles`: the role catalogue, one source on the server (auth-core roles.ts). */
export type WireRole = Roles[number];
export type RoleId = WireRole["roleid"];

/** One second factor of a user (PBS's `TypedTfaInfo`); the recovery set is one entry with id `recovery`. */
export interface WireTfaEntry {
  type: string;
  id: string;
  description?: string;
  /** Epoch seconds. */
  created: number;
  enable?: boolean | number;
  /** Recovery set only (Gatehouse): how many keys are left. */
  available?: number;
}

/** `GET /access/tfa`: a user with factors, and the lockout state (PBS's `TfaUser`). */
export interface WireTfaUser {
  userid: string;
  entries: WireTfaEntry[];
  "totp-locked"?: boolean;
  /** Epoch seconds: every second factor is refused until then. */
  "tfa-locked-until"?: number;
}

/** `POST /access/tfa/{userid}` (PBS's `TfaUpdateInfo`). */
export interface WireTfaUpdateInfo {
  id?: string;
  /** WebAuthn registration: `{"publicKey": creation options}` as a JSON string, to send back as `challenge`. */
  challenge?: string;
  /** Recovery keys in clear, in this answer only. */
  recovery?: string[];
}

type Fits<Server extends Console, Console> = [Server, Console];
export type _ServerRowsFitTheConsole = [
  Fits<UserListing["data"][number], WireUser>,
  Fits<AllTokensListing["data"][number], WireToken>,
  Fits<AclReading["data"][number], WireAclEntry>,
  Fits<TfaEntryView, WireTfaEntry>,
  Fits<TfaUserView, WireTfaUser>,
  Fits<TfaUpdateInfo, WireTfaUpdateInfo>,
  Fits<AuditReading["data"][number], WireAuditRecord>,
];
