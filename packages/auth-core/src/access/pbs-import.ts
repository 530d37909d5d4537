/**
 * Reads a PBS access config (the files of /etc/proxmox-backup) and merges it into a
 * Gatehouse store in one mutation (`gatehouse import-pbs DIR`):
 *
 * - `user.cfg`, PBS's section config (pbs-config/src/user.rs): `user:` and `token:`
 *   sections with indented `key value` properties;
 * - `acl.cfg` (pbs-config/src/acl.rs): `acl:<propagate>:<path>:<ugids>:<roles>` lines;
 * - `shadow.json` (src/auth.rs): user *name* (the `pbs` realm's) -> crypt hash;
 * - `token.shadow` (pbs-config/src/token_shadow.rs): token id -> crypt hash.
 *
 * What Gatehouse already has wins: an existing user, token, hash or ACL entry is left
 * alone, so a second run changes nothing and an imported hash that was since
 * re-hashed to argon2id is never put back. Whatever cannot be imported is reported
 * with the reason, never dropped silently. docs/decisions/016-pbs-import.md.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { classifyCryptHash, isVerifiableSha256Crypt } from "../crypto/legacy-crypt-hash.js";
import type { AccessState, AclEntry, TokenRecord, UserRecord } from "../core/model.js";
import { NO_ACCESS_ROLE } from "../core/roles.js";
import type { AccessStore } from "../store/store.js";
import type { AuditEvent } from "../core/audit.js";
import { IMPORTED_REALM, parseAclCfg, parseHashMap, parseUserCfg, PBS_CONFIG_FILES, type ImportSkip } from "./pbs-config-parse.js";

export { PBS_CONFIG_FILES, type ImportKind, type ImportSkip } from "./pbs-config-parse.js";

export interface PbsImportReport {
  /** Counts of what this run added. */
  added: { users: number; tokens: number; acl: number; passwords: number; tokenSecrets: number };
  /** Already in Gatehouse (left as it is there). */
  unchanged: { users: number; tokens: number; acl: number; passwords: number; tokenSecrets: number };
  skipped: ImportSkip[];
}

/** What the PBS files say, parsed and checked, before it meets the store. */
export interface PbsConfigPlan {
  users: UserRecord[];
  tokens: TokenRecord[];
  acl: AclEntry[];
  /** userid -> hash. */
  passwords: Map<string, string>;
  /** token id -> hash. */
  tokenSecrets: Map<string, string>;
  skipped: ImportSkip[];
}

/** Thrown for a directory that is not a PBS config at all: nothing is imported. */
export class PbsImportError extends Error {
  override readonly name = "PbsImportError";
}

/** Reads the four files of `dir`; user.cfg must exist, the others may be absent (PBS treats them as empty). */
export async function readPbsConfigDir(dir: string): Promise<PbsConfigPlan> {
  const read = async (file: string, required: boolean): Promise<string | null> => {
    try {
      return await readFile(join(dir, file), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT" && !required) return null;
      throw new PbsImportError(`cannot read ${join(dir, file)}: ${(error as Error).message}`, { cause: error });
    }
  };
  const [users, acl, passwords, tokenSecrets] = await Promise.all([
    read(PBS_CONFIG_FILES.users, true),
    read(PBS_CONFIG_FILES.acl, false),
    read(PBS_CONFIG_FILES.passwords, false),
    read(PBS_CONFIG_FILES.tokenSecrets, false),
  ]);
  return planPbsImport({ users: users ?? "", acl: acl ?? "", passwords, tokenSecrets });
}

/** Parses and checks the file contents; pure, so tests need no files. */
export function planPbsImport(files: { users: string; acl: string; passwords: string | null; tokenSecrets: string | null }): PbsConfigPlan {
  const skipped: ImportSkip[] = [];
  const { users, tokens } = parseUserCfg(files.users, skipped);
  const knownIds = new Set<string>([...users.map((user) => user.userid), ...tokens.map((token) => token.tokenid)]);
  const acl = parseAclCfg(files.acl, knownIds, skipped);
  const userIds = new Set(users.map((user) => user.userid));
  const passwords = new Map<string, string>();
  for (const [name, hash] of parseHashMap(files.passwords, PBS_CONFIG_FILES.passwords, skipped)) {
    // PBS keys shadow.json by the name alone: the pbs realm is the only one with passwords there.
    const userid = `${name}@${IMPORTED_REALM}`;
    if (!userIds.has(userid)) {
      skipped.push({ kind: "password", id: userid, reason: "no such user in user.cfg (or the user was not imported)" });
      continue;
    }
    const refusal = refuseHash(hash);
    if (refusal === null) passwords.set(userid, hash);
    else skipped.push({ kind: "password", id: userid, reason: `${refusal}; set a new password with 'gatehouse user passwd ${userid}'` });
  }
  const tokenIds = new Set(tokens.map((token) => token.tokenid));
  const tokenSecrets = new Map<string, string>();
  for (const [tokenid, hash] of parseHashMap(files.tokenSecrets, PBS_CONFIG_FILES.tokenSecrets, skipped)) {
    if (!tokenIds.has(tokenid)) {
      skipped.push({ kind: "token-secret", id: tokenid, reason: "no such token in user.cfg (or the token was not imported)" });
      continue;
    }
    const refusal = refuseHash(hash);
    if (refusal === null) tokenSecrets.set(tokenid, hash);
    else
      skipped.push({
        kind: "token-secret",
        id: tokenid,
        reason: `${refusal}; give the token a new secret with 'gatehouse token regenerate ${tokenid}'`,
      });
  }
  return { users, tokens, acl, passwords, tokenSecrets, skipped };
}

/** Why a hash cannot be imported, or null when Gatehouse can verify it. */
function refuseHash(hash: string): string | null {
  switch (classifyCryptHash(hash)) {
    case "sha256-crypt":
      return isVerifiableSha256Crypt(hash) ? null : "a malformed sha256-crypt hash, or one with more rounds than Gatehouse verifies";
    case "yescrypt":
      return "a yescrypt ($y$) hash, which Gatehouse cannot verify (no maintained library implements it)";
    case "argon2":
      return hash.startsWith("$argon2id$") ? null : "an argon2 hash that is not argon2id";
    case "other":
      return "not a hash format PBS writes (expected $5$ sha256-crypt or $y$ yescrypt)";
  }
}

/**
 * Adds the plan to the store in one mutation. Under the lock, what exists wins; a
 * token whose user is not in the store after the users are added is skipped, and
 * so is an ACL entry whose user or token is not there.
 */
export async function applyPbsImport(
  store: AccessStore,
  plan: PbsConfigPlan,
  audit: { actor: string; time: number; source?: string } = { actor: "root@pam", time: Math.floor(Date.now() / 1000) },
): Promise<PbsImportReport> {
  const counts = `users=${plan.users.length} tokens=${plan.tokens.length} acl=${plan.acl.length}`;
  const event: AuditEvent = { ...audit, action: "import", target: "pbs", outcome: "success", detail: `planned ${counts}` };
  const { result } = await store.mutate((state) => mergePlan(state, plan), { audit: [event] });
  return result;
}

function mergePlan(state: AccessState, plan: PbsConfigPlan): PbsImportReport {
  const report: PbsImportReport = {
    added: { users: 0, tokens: 0, acl: 0, passwords: 0, tokenSecrets: 0 },
    unchanged: { users: 0, tokens: 0, acl: 0, passwords: 0, tokenSecrets: 0 },
    skipped: [...plan.skipped],
  };
  const { config } = state;
  for (const user of plan.users) {
    if (Object.hasOwn(config.users, user.userid)) report.unchanged.users++;
    else {
      config.users[user.userid] = { ...user };
      report.added.users++;
    }
  }
  for (const token of plan.tokens) {
    const owner = token.tokenid.slice(0, token.tokenid.lastIndexOf("!"));
    if (Object.hasOwn(config.tokens, token.tokenid)) report.unchanged.tokens++;
    else if (!Object.hasOwn(config.users, owner))
      report.skipped.push({ kind: "token", id: token.tokenid, reason: `its user ${owner} is not there` });
    else {
      config.tokens[token.tokenid] = { ...token };
      report.added.tokens++;
    }
  }
  for (const [userid, hash] of plan.passwords) {
    if (Object.hasOwn(state.passwordHashes, userid)) report.unchanged.passwords++;
    else {
      state.passwordHashes[userid] = hash;
      report.added.passwords++;
    }
  }
  for (const [tokenid, hash] of plan.tokenSecrets) {
    if (!Object.hasOwn(config.tokens, tokenid)) continue;
    if (Object.hasOwn(state.tokenHashes, tokenid)) report.unchanged.tokenSecrets++;
    else {
      state.tokenHashes[tokenid] = hash;
      report.added.tokenSecrets++;
    }
  }
  for (const entry of plan.acl) {
    const exists = Object.hasOwn(config.users, entry.ugid) || Object.hasOwn(config.tokens, entry.ugid);
    const id = `${entry.path} ${entry.ugid} ${entry.roleid}`;
    if (!exists) {
      report.skipped.push({ kind: "acl", id, reason: `${entry.ugid} is not there` });
      continue;
    }
    const sameId = config.acl.filter((existing) => existing.path === entry.path && existing.ugid === entry.ugid);
    if (sameId.some((existing) => existing.roleid === entry.roleid)) {
      report.unchanged.acl++;
      continue;
    }
    // NoAccess and other roles never sit together for one id on one path (insert_user_role);
    // the store's own entries win over the imported ones.
    if (sameId.some((existing) => existing.roleid === NO_ACCESS_ROLE) || (entry.roleid === NO_ACCESS_ROLE && sameId.length > 0)) {
      report.skipped.push({
        kind: "acl",
        id,
        reason: "Gatehouse already has a conflicting role for this id on this path (NoAccess excludes the others)",
      });
      continue;
    }
    config.acl.push({ ...entry });
    report.added.acl++;
  }
  return report;
}
