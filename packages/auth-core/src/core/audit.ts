/**
 * The audit log's record and query (issue 14). A record says who did what to whom,
 * from where, with which outcome, and under which request id. It never holds a
 * secret, a password, a ticket or a hash: every field is checked against those
 * shapes before a store sees it, and a value that looks like one is refused.
 */
import { isTokenAuthid } from "./ids.js";
import { invalidParameter } from "./input-rules.js";

export const AUDIT_OUTCOMES = ["success", "failure", "denied", "throttled"] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/**
 * The actions Gatehouse itself records. Other features (two-factor) may record
 * more: an action is any dotted lower-case name, `area.verb`.
 */
export const AUDIT_ACTIONS = [
  "login",
  "user.create",
  "user.update",
  "user.delete",
  "user.password",
  "user.end-sessions",
  "token.create",
  "token.update",
  "token.delete",
  "token.regenerate",
  "acl.update",
  "write.denied",
  "throttle.activated",
  "import",
] as const;

export interface AuditEvent {
  /** Epoch seconds. */
  time: number;
  /** The authid that acted; for a failed login, empty (nobody proved who they are). */
  actor: string;
  /** The client address, when known. */
  source?: string;
  /** `area.verb`, e.g. `token.regenerate`; see AUDIT_ACTIONS. */
  action: string;
  /** What was acted on: a userid, a token id, an ACL path, a route. */
  target?: string;
  outcome: AuditOutcome;
  /** The X-Request-Id of the request, to join the record with the request log. */
  requestId?: string;
  /** A few words from a fixed vocabulary (changed field names, a role, a grace period). */
  detail?: string;
}

/** A stored record: the event and a position that orders records of one store. */
export interface AuditRecord extends AuditEvent {
  /** Increasing within a store; later records have larger ids. */
  id: number;
}

export interface AuditQuery {
  /** Epoch seconds, inclusive. */
  since?: number;
  /** Epoch seconds, exclusive. */
  until?: number;
  /** Exact authid of the actor. */
  actor?: string;
  /** A target, and for a userid also the user's tokens (`user@realm!...`). */
  target?: string;
  /** An action, or an area: `token` selects every `token.*` action. */
  action?: string;
  outcome?: AuditOutcome;
  /** Newest first: skip this many. */
  start: number;
  limit: number;
}

export interface AuditPage {
  rows: AuditRecord[];
  total: number;
}

export const AUDIT_LIMIT_MAX = 1000;
const ACTION_PATTERN = /^[a-z][a-z0-9-]{0,31}(\.[a-z][a-z0-9-]{0,31}){0,3}$/;
const FIELD_MAX_LENGTH = 256;
/**
 * Shapes of credentials: a ticket (`PBS:` or its URL-encoded form), an argon2 or
 * crypt hash, a token secret (a UUID) and an Authorization header. A field that
 * matches one is refused rather than stored.
 */
const CREDENTIAL_PATTERNS: readonly RegExp[] = [/PBS(:|%3A)/i, /\$argon2/i, /\$[0-9a-z]{1,2}\$/i, /PBSAPIToken/i];
/** A token secret is a random UUID; so is a request id, which the server makes itself and is exempt. */
const UUID_PATTERN = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** Whether `text` looks like a credential of any kind Gatehouse handles. */
export function looksLikeCredential(text: string): boolean {
  return UUID_PATTERN.test(text) || CREDENTIAL_PATTERNS.some((pattern) => pattern.test(text));
}

/**
 * A copy of `event` fit to store: actions are well-formed, every text is bounded,
 * free of control characters and of anything shaped like a credential. A target
 * or actor that fails is a programming error (the caller passed a secret), so it
 * throws a TypeError rather than silently storing it.
 */
export function toStorableAuditEvent(event: AuditEvent): AuditEvent {
  if (!ACTION_PATTERN.test(event.action)) throw new TypeError(`audit: malformed action ${JSON.stringify(event.action)}`);
  if (!(AUDIT_OUTCOMES as readonly string[]).includes(event.outcome)) throw new TypeError("audit: unknown outcome");
  if (!Number.isSafeInteger(event.time) || event.time < 0) throw new TypeError("audit: time must be epoch seconds");
  const stored: AuditEvent = {
    time: event.time,
    actor: checkText(event.actor, "actor"),
    action: event.action,
    outcome: event.outcome,
  };
  if (event.source !== undefined) stored.source = checkText(event.source, "source");
  if (event.target !== undefined) stored.target = checkText(event.target, "target");
  if (event.requestId !== undefined) stored.requestId = checkText(event.requestId, "requestId", true);
  if (event.detail !== undefined) stored.detail = checkText(event.detail, "detail");
  return stored;
}

function checkText(value: string, field: string, isServerMadeUuid = false): string {
  if (typeof value !== "string" || value.length > FIELD_MAX_LENGTH || hasControlCharacter(value)) {
    throw new TypeError(`audit: ${field} must be at most ${FIELD_MAX_LENGTH} printable characters`);
  }
  const looksLikeSecret = isServerMadeUuid ? CREDENTIAL_PATTERNS.some((pattern) => pattern.test(value)) : looksLikeCredential(value);
  if (looksLikeSecret) throw new TypeError(`audit: ${field} looks like a credential and is not recorded`);
  return value;
}

function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** Checks a query from a request: bad values are a 400 that names the parameter. */
export function requireAuditQuery(query: Partial<AuditQuery>): AuditQuery {
  const limit = query.limit ?? 50;
  const start = query.start ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_LIMIT_MAX) throw invalidParameter("limit", `expected 1..${AUDIT_LIMIT_MAX}`);
  if (!Number.isSafeInteger(start) || start < 0) throw invalidParameter("start", "expected a non-negative integer");
  for (const key of ["since", "until"] as const) {
    const value = query[key];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) throw invalidParameter(key, "expected epoch seconds");
  }
  if (query.action !== undefined && !ACTION_PATTERN.test(query.action))
    throw invalidParameter("action", "expected an action such as token.regenerate");
  if (query.outcome !== undefined && !(AUDIT_OUTCOMES as readonly string[]).includes(query.outcome)) {
    throw invalidParameter("outcome", `expected one of ${AUDIT_OUTCOMES.join(", ")}`);
  }
  for (const key of ["actor", "target"] as const) {
    const value = query[key];
    if (value !== undefined && (value.length === 0 || value.length > FIELD_MAX_LENGTH)) {
      throw invalidParameter(key, `expected 1..${FIELD_MAX_LENGTH} characters`);
    }
  }
  const checked: AuditQuery = { start, limit };
  if (query.since !== undefined) checked.since = query.since;
  if (query.until !== undefined) checked.until = query.until;
  if (query.actor !== undefined) checked.actor = query.actor;
  if (query.target !== undefined) checked.target = query.target;
  if (query.action !== undefined) checked.action = query.action;
  if (query.outcome !== undefined) checked.outcome = query.outcome;
  return checked;
}

/** The query's filter as a predicate, for stores that filter in memory (file, memory). */
export function matchesAuditQuery(record: AuditEvent, query: AuditQuery): boolean {
  if (query.since !== undefined && record.time < query.since) return false;
  if (query.until !== undefined && record.time >= query.until) return false;
  if (query.actor !== undefined && record.actor !== query.actor) return false;
  if (query.outcome !== undefined && record.outcome !== query.outcome) return false;
  if (query.action !== undefined && record.action !== query.action && !record.action.startsWith(`${query.action}.`)) return false;
  if (query.target !== undefined) {
    const target = record.target ?? "";
    const isOwnedToken = !isTokenAuthid(query.target) && isTokenAuthid(target) && target.startsWith(`${query.target}!`);
    if (target !== query.target && !isOwnedToken) return false;
  }
  return true;
}

/** Newest first, one page, from records in store order (oldest first). */
export function pageAuditRecords(recordsOldestFirst: readonly AuditRecord[], query: AuditQuery): AuditPage {
  const matching: AuditRecord[] = [];
  for (let i = recordsOldestFirst.length - 1; i >= 0; i -= 1) {
    const record = recordsOldestFirst[i] as AuditRecord;
    if (matchesAuditQuery(record, query)) matching.push(record);
  }
  return { rows: matching.slice(query.start, query.start + query.limit), total: matching.length };
}

/** Parses one stored JSON line; null for a torn or foreign line, which readers skip. */
export function parseAuditLine(line: string, id: number): AuditRecord | null {
  if (line.length === 0) return null;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const raw = value as Record<string, unknown>;
  if (typeof raw.time !== "number" || typeof raw.actor !== "string" || typeof raw.action !== "string") return null;
  if (typeof raw.outcome !== "string" || !(AUDIT_OUTCOMES as readonly string[]).includes(raw.outcome)) return null;
  const record: AuditRecord = { id, time: raw.time, actor: raw.actor, action: raw.action, outcome: raw.outcome as AuditOutcome };
  for (const key of ["source", "target", "requestId", "detail"] as const) {
    if (typeof raw[key] === "string") record[key] = raw[key];
  }
  return record;
}
