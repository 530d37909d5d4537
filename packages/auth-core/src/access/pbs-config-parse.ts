/**
 * Parsing PBS's access config files for the import (pbs-import.ts): `user.cfg`'s
 * section config, `acl.cfg`'s lines and the two JSON hash maps (`shadow.json`,
 * `token.shadow`). Each parser keeps what Gatehouse can hold and adds the rest to
 * `skipped` with the reason; matching the files against each other and against
 * the store is pbs-import.ts's.
 */
import { isKnownAclPath, isValidAclPath } from "./acl.js";
import { parseAuthid, parseUserid } from "../core/ids.js";
import { hasForbiddenTextCharacter } from "../core/input-rules.js";
import { EXPIRE_MAX, TEXT_FIELD_MAX_LENGTH } from "../core/limits.js";
import type { AclEntry, TokenRecord, UserRecord } from "../core/model.js";
import { isRoleId, NO_ACCESS_ROLE } from "../core/roles.js";

export const PBS_CONFIG_FILES = Object.freeze({
  users: "user.cfg",
  acl: "acl.cfg",
  passwords: "shadow.json",
  tokenSecrets: "token.shadow",
});

/** The realm of the users PBS keeps passwords for, the only one imported. */
export const IMPORTED_REALM = "pbs";
// The user.cfg properties Gatehouse keeps; PBS's others (none today) are reported.
const TEXT_PROPERTIES = ["comment", "firstname", "lastname", "email"] as const;

export type ImportKind = "user" | "token" | "acl" | "password" | "token-secret" | "file";

export interface ImportSkip {
  kind: ImportKind;
  /** The user, token, ACL line or file concerned. */
  id: string;
  reason: string;
}

// --- user.cfg ------------------------------------------------------------------------

interface Section {
  type: string;
  id: string;
  line: number;
  properties: Map<string, string>;
}

/** PBS's section config: `type: id`, then lines that start with whitespace, `key value`. */
function parseSections(text: string, skipped: ImportSkip[]): Section[] {
  const sections: Section[] = [];
  let current: Section | null = null;
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index] ?? "";
    if (raw.trim() === "" || raw.trimStart().startsWith("#")) {
      if (raw.trim() === "") current = null;
      continue;
    }
    if (/^\s/.test(raw)) {
      if (current === null) {
        skipped.push({ kind: "file", id: `${PBS_CONFIG_FILES.users}:${index + 1}`, reason: "a property outside any section" });
        continue;
      }
      const match = /^\s+(\S+)(?:\s+(.*))?$/.exec(raw);
      if (match?.[1] !== undefined) current.properties.set(match[1], (match[2] ?? "").trim());
      continue;
    }
    const header = /^(\S+):\s*(\S+)\s*$/.exec(raw);
    if (header?.[1] === undefined || header[2] === undefined) {
      skipped.push({ kind: "file", id: `${PBS_CONFIG_FILES.users}:${index + 1}`, reason: "not a section header ('type: id')" });
      current = null;
      continue;
    }
    current = { type: header[1], id: header[2], line: index + 1, properties: new Map() };
    sections.push(current);
  }
  return sections;
}

export function parseUserCfg(text: string, skipped: ImportSkip[]): { users: UserRecord[]; tokens: TokenRecord[] } {
  const users: UserRecord[] = [];
  const tokens: TokenRecord[] = [];
  const seen = new Set<string>();
  for (const section of parseSections(text, skipped)) {
    const kind: ImportKind = section.type === "token" ? "token" : "user";
    if (seen.has(section.id)) {
      skipped.push({ kind, id: section.id, reason: `defined twice in ${PBS_CONFIG_FILES.users} (line ${section.line})` });
      continue;
    }
    seen.add(section.id);
    if (section.type === "group") {
      skipped.push({ kind: "user", id: section.id, reason: "groups are not supported (PBS does not support them either)" });
      continue;
    }
    if (section.type !== "user" && section.type !== "token") {
      skipped.push({ kind: "user", id: section.id, reason: `unknown section type '${section.type}'` });
      continue;
    }
    const common = readCommonProperties(section);
    if (typeof common === "string") {
      skipped.push({ kind, id: section.id, reason: common });
      continue;
    }
    if (section.type === "user") {
      const parsed = parseUserid(section.id);
      if (!parsed.ok) skipped.push({ kind, id: section.id, reason: "not a valid userid" });
      else if (parsed.value.realm !== IMPORTED_REALM) {
        skipped.push({ kind, id: section.id, reason: `realm '${parsed.value.realm}' is not supported (only '${IMPORTED_REALM}')` });
      } else users.push({ userid: parsed.value.userid, ...common });
    } else {
      const parsed = parseAuthid(section.id);
      if (!parsed.ok || parsed.value.tokenName === null) skipped.push({ kind, id: section.id, reason: "not a valid token id" });
      else {
        const { firstname: _f, lastname: _l, email: _e, ...tokenFields } = common;
        tokens.push({ tokenid: parsed.value.authid, ...tokenFields });
      }
    }
  }
  return { users, tokens };
}

/** enable, expire and the text fields, or the reason the section cannot be imported. */
function readCommonProperties(section: Section): Omit<UserRecord, "userid"> | string {
  const record: Omit<UserRecord, "userid"> = { enable: true, expire: 0 };
  for (const [key, value] of section.properties) {
    if (key === "enable") {
      // PBS's booleans: 1/0, true/false, yes/no, on/off.
      if (/^(1|true|yes|on)$/i.test(value)) record.enable = true;
      else if (/^(0|false|no|off)$/i.test(value)) record.enable = false;
      else return `enable '${value}' is not a boolean`;
    } else if (key === "expire") {
      if (!/^\d{1,12}$/.test(value) || Number(value) > EXPIRE_MAX) return `expire '${value}' is not epoch seconds`;
      record.expire = Number(value);
    } else if ((TEXT_PROPERTIES as readonly string[]).includes(key)) {
      if (value.length > TEXT_FIELD_MAX_LENGTH) return `${key} is longer than ${TEXT_FIELD_MAX_LENGTH} characters`;
      if (hasForbiddenTextCharacter(value)) return `${key} contains control or bidi override characters`;
      if (value !== "") record[key as (typeof TEXT_PROPERTIES)[number]] = value;
    } else {
      return `unknown property '${key}'`;
    }
  }
  return record;
}

// --- acl.cfg ---------------------------------------------------------------------------

export function parseAclCfg(text: string, knownIds: ReadonlySet<string>, skipped: ImportSkip[]): AclEntry[] {
  const entries: AclEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] ?? "").trim();
    if (line === "") continue;
    const where = `${PBS_CONFIG_FILES.acl}:${index + 1}`;
    const parts = line.split(":");
    if (parts.length !== 5 || parts[0] !== "acl") {
      skipped.push({ kind: "acl", id: where, reason: "not an 'acl:<0|1>:<path>:<ids>:<roles>' line" });
      continue;
    }
    const [, flag = "", path = "", ugids = "", roles = ""] = parts;
    if (flag !== "0" && flag !== "1") {
      skipped.push({ kind: "acl", id: where, reason: `propagate flag '${flag}' is not 0 or 1` });
      continue;
    }
    if (!isValidAclPath(path) || !isKnownAclPath(path)) {
      skipped.push({ kind: "acl", id: where, reason: `invalid acl path '${path}'` });
      continue;
    }
    for (const ugid of ugids.split(",").map((value) => value.trim())) {
      for (const role of roles.split(",").map((value) => value.trim())) {
        const id = `${path} ${ugid} ${role}`;
        if (ugid.startsWith("@")) skipped.push({ kind: "acl", id, reason: "group entries are not supported" });
        else if (!isRoleId(role)) skipped.push({ kind: "acl", id, reason: `unknown role '${role}'` });
        else if (!knownIds.has(ugid)) skipped.push({ kind: "acl", id, reason: `${ugid} is not in user.cfg (or was not imported)` });
        else addAclEntry(entries, { path, ugid, roleid: role, propagate: flag === "1" });
      }
    }
  }
  return entries;
}

/** As PBS builds its tree from the file: NoAccess replaces the id's other roles on the path, and the reverse. */
function addAclEntry(entries: AclEntry[], entry: AclEntry): void {
  for (let i = entries.length - 1; i >= 0; i--) {
    const existing = entries[i];
    if (existing === undefined || existing.path !== entry.path || existing.ugid !== entry.ugid) continue;
    const conflicts = existing.roleid === entry.roleid || entry.roleid === NO_ACCESS_ROLE || existing.roleid === NO_ACCESS_ROLE;
    if (conflicts) entries.splice(i, 1);
  }
  entries.push(entry);
}

// --- shadow files --------------------------------------------------------------------------

export function parseHashMap(text: string | null, file: string, skipped: ImportSkip[]): [string, string][] {
  if (text === null || text.trim() === "") return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Never echo the content: it is a file of password hashes.
    skipped.push({ kind: "file", id: file, reason: "not valid JSON; none of its hashes were imported" });
    return [];
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    skipped.push({ kind: "file", id: file, reason: "not a JSON object; none of its hashes were imported" });
    return [];
  }
  const pairs: [string, string][] = [];
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value === "string") pairs.push([key, value]);
    else
      skipped.push({
        kind: file === PBS_CONFIG_FILES.passwords ? "password" : "token-secret",
        id: key,
        reason: "the hash is not a string",
      });
  }
  return pairs;
}
