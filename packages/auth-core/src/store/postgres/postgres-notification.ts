/**
 * The NOTIFY payload of a generation bump (decisions 012 and 014): the new
 * generations and, when the sender could name them, the token hashes and config
 * rows that changed. Parsed defensively: anyone with database access can NOTIFY.
 */
import type { Generations } from "./postgres-rows.js";
import { parseGenerationsRow } from "./postgres-rows.js";

/**
 * The generations in a NOTIFY payload for `schema`, or null for another schema or
 * a payload that does not parse: anyone with database access can NOTIFY.
 */
export function parseGenerationNotification(payload: string | undefined, schema: string): Generations | null {
  return parseChangeNotification(payload, schema)?.generations ?? null;
}

/** The config rows one mutation changed (decision 014); a password change names none. */
export interface ConfigChangeNames {
  users: readonly string[];
  tokens: readonly string[];
  acl: boolean;
}

/** What one notification says changed; `tokens` null when the sender could not name them. */
export interface ChangeNotification {
  generations: Generations;
  /** Present when the payload says whether the secrets generation moved (every Gatehouse sender does). */
  secrets?: { bumped: boolean; tokens: string[] | null };
  /** Present when the payload says whether the config generation moved; `names` null when it could not name the rows. */
  config?: { bumped: boolean; names: ConfigChangeNames | null };
}

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more: anything longer is not a notification. */
const NOTIFICATION_MAX_LENGTH = 8000;
/** Token ids are at most 64 characters; an entry that is not one is not from Gatehouse. */
const NOTIFIED_ID_MAX_LENGTH = 64;

/** parseGenerationNotification with the `changed` part (decision 012). */
export function parseChangeNotification(payload: string | undefined, schema: string): ChangeNotification | null {
  if (payload === undefined || payload.length > NOTIFICATION_MAX_LENGTH) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  const fields = parsed as Record<string, unknown>;
  if (fields.schema !== schema) return null;
  let generations: Generations;
  try {
    generations = parseGenerationsRow(fields, "notification");
  } catch {
    return null;
  }
  const changed = fields.changed;
  if (typeof changed !== "object" || changed === null) return { generations };
  const { secrets, tokens, config } = changed as Record<string, unknown>;
  const notification: ChangeNotification = { generations };
  if (typeof secrets === "boolean") notification.secrets = { bumped: secrets, tokens: parseNotifiedIds(tokens) };
  if (config === false) notification.config = { bumped: false, names: null };
  else if (config === null) notification.config = { bumped: true, names: null };
  else if (typeof config === "object" && config !== undefined) {
    const names = config as Record<string, unknown>;
    const users = parseNotifiedIds(names.users);
    const configTokens = parseNotifiedIds(names.tokens);
    notification.config = {
      bumped: true,
      names:
        users === null || configTokens === null || typeof names.acl !== "boolean" ? null : { users, tokens: configTokens, acl: names.acl },
    };
  }
  return notification;
}

/** A list of ids as Gatehouse sends them, or null for anything else. */
function parseNotifiedIds(value: unknown): string[] | null {
  return Array.isArray(value) && value.every((id) => typeof id === "string" && id.length <= NOTIFIED_ID_MAX_LENGTH)
    ? (value as string[])
    : null;
}
