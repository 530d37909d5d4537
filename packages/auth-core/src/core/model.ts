/**
 * The access configuration as stored by every backend. Field names follow the
 * PBS wire format so that a config object can be returned without renaming.
 */

/** A user of the built-in `pbs` realm (or any realm the store knows). */
export interface UserRecord {
  userid: string;
  enable: boolean;
  /** Epoch seconds; 0 means never. */
  expire: number;
  comment?: string;
  firstname?: string;
  lastname?: string;
  email?: string;
  /**
   * Epoch seconds: tickets issued before this are refused (issue 15, finding 7).
   * Set on create, password change, disable and "end all sessions". Internal:
   * never part of a user view on the wire.
   */
  ticketsNotBefore?: number;
  /** Epoch seconds the store created the user (issue 14); absent for users made before it was recorded. */
  created?: number;
}

/** API token metadata. The secret's hash lives apart, in the token shadow. */
export interface TokenRecord {
  /** Full authid, `user@realm!name`. */
  tokenid: string;
  enable: boolean;
  /** Epoch seconds; 0 means never. */
  expire: number;
  comment?: string;
  /** Epoch seconds the store created the token (issue 14); absent for tokens made before it was recorded. */
  created?: number;
  /**
   * Epoch seconds until which the secret replaced by the last rotation is still
   * accepted (rotation with overlap, decision 031). Its hash is the second line of
   * the token's stored hash; from this second on it is refused without any write.
   */
  previousSecretUntil?: number;
}

export interface AclEntry {
  path: string;
  /** A userid or a token authid. */
  ugid: string;
  roleid: RoleId;
  propagate: boolean;
}

import type { RoleId } from "./roles.js";

export type { RoleId };

/** Users, tokens and ACL: the part guarded by the config generation (I5). */
export interface AccessConfig {
  users: Record<string, UserRecord>;
  tokens: Record<string, TokenRecord>;
  acl: AclEntry[];
}

/** Everything one mutation may read and change, loaded under the store lock. */
export interface AccessState {
  config: AccessConfig;
  /** authid -> argon2id hash of the token secret (`token.shadow`). */
  tokenHashes: Record<string, string>;
  /** userid -> argon2id hash of the password (the password shadow). */
  passwordHashes: Record<string, string>;
}

export function emptyAccessConfig(): AccessConfig {
  return { users: {}, tokens: {}, acl: [] };
}

export function emptyAccessState(): AccessState {
  return { config: emptyAccessConfig(), tokenHashes: {}, passwordHashes: {} };
}
