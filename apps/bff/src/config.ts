/**
 * Server configuration from the environment, validated once at boot. A bad value
 * stops the server with one message that names every offending variable; values
 * are never echoed, because some (the admin password, the database URL) are secret.
 *
 * `GATEHOUSE_CONFIG=/etc/gatehouse/gatehouse.env` names a file of `NAME=value`
 * lines with the same names; the environment wins over the file, and both go
 * through the same validation (readConfigFile / applyConfigFile).
 */
import { readFileSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import {
  AUDIT_RETENTION_DAYS_MAX,
  DEFAULT_AUDIT_RETENTION,
  DEFAULT_MAX_TOKENS,
  DEFAULT_MAX_TOKENS_PER_USER,
  err,
  ok,
  PASSWORD_MAX_LENGTH,
  type Result,
} from "@gatehouse/auth-core";
import { checkOrigins, checkRpId, deriveWebauthnConfig, type WebauthnConfig } from "./webauthn-config.js";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ServerConfig {
  host: string;
  /** 0 asks the OS for a free port; the readiness line prints the real one. */
  port: number;
  /** Absolute path of the file backend, keys and TLS material. */
  dataDir: string;
  adminPassword: string | undefined;
  workers: number;
  databaseUrl: string | undefined;
  /** PostgreSQL schema of this deployment; nodes that share it share users, tokens and keys. */
  databaseSchema: string | undefined;
  /** A direct session for LISTEN when databaseUrl goes through a transaction-pooling proxy. */
  databaseListenUrl: string | undefined;
  /** 0 disables the verified-secret cache: every token request hashes (the bench baseline). */
  tokenCacheTtlS: number;
  tls: { certFile: string; keyFile: string } | undefined;
  /** The SPA build to serve; undefined means apps/web/dist. */
  webDir: string | undefined;
  logLevel: LogLevel;
  /** POST /access/ticket may return the ticket in the body (PBS's legacy flow); off: only the HttpOnly cookie. */
  legacyTickets: boolean;
  /** Test-only: name the serving worker in an `X-Gatehouse-Worker` response header. */
  exposeWorkerId: boolean;
  /** How long a stopping process lets requests in flight finish before it drops them. */
  shutdownTimeoutS: number;
  /** API tokens one user may own, and in the whole store (issue 15, finding 6). */
  maxTokensPerUser: number;
  maxTokens: number;
  /** The WebAuthn relying party (webauthn-config.ts). */
  webauthn: WebauthnConfig;
  /** File backend: rotate `audit.jsonl` at this size, keep this many rotated files (decision 030). */
  auditRetention: { maxFileBytes: number; retainedFiles: number };
  /** PostgreSQL: audit rows older than this many days are pruned hourly; 0 keeps all (decision 033). */
  auditRetainDays: number;
}

export interface LoadedConfig {
  config: ServerConfig;
  /** Unknown GATEHOUSE_* variables, most likely typos; reported but not fatal. */
  warnings: string[];
}

const KNOWN_VARIABLES = [
  "GATEHOUSE_HOST",
  "GATEHOUSE_PORT",
  "GATEHOUSE_DATA_DIR",
  "GATEHOUSE_ADMIN_PASSWORD",
  "GATEHOUSE_WORKERS",
  "GATEHOUSE_DATABASE_URL",
  "GATEHOUSE_DATABASE_SCHEMA",
  "GATEHOUSE_DATABASE_LISTEN_URL",
  "GATEHOUSE_TOKEN_CACHE_TTL_S",
  "GATEHOUSE_TLS_CERT_FILE",
  "GATEHOUSE_TLS_KEY_FILE",
  "GATEHOUSE_WEB_DIR",
  "GATEHOUSE_LOG_LEVEL",
  "GATEHOUSE_LEGACY_TICKETS",
  "GATEHOUSE_TEST_EXPOSE_WORKER",
  "GATEHOUSE_SHUTDOWN_TIMEOUT_S",
  "GATEHOUSE_MAX_TOKENS_PER_USER",
  "GATEHOUSE_MAX_TOKENS",
  "GATEHOUSE_WEBAUTHN_RP_ID",
  "GATEHOUSE_WEBAUTHN_ORIGIN",
  "GATEHOUSE_AUDIT_MAX_BYTES",
  "GATEHOUSE_AUDIT_RETAIN_FILES",
  "GATEHOUSE_AUDIT_RETAIN_DAYS",
] as const;

/** Names the config file; read by applyConfigFile, never itself set in the file. */
export const CONFIG_FILE_VARIABLE = "GATEHOUSE_CONFIG";

// A cluster of more workers than this on one host only adds contention for the
// store lock and the argon2 gate.
const MAX_WORKERS = 64;
const MAX_TOKEN_CACHE_TTL_S = 86_400;
// systemd's default TimeoutStopSec is 90 s; the unit in contrib/ leaves room above this.
const MAX_SHUTDOWN_TIMEOUT_S = 600;
// Far beyond what either backend is meant for; a bound only so a typo cannot mean "unlimited".
const MAX_TOKEN_QUOTA = 100_000_000;
// The rule auth-core's PostgreSQL store enforces; lower case, so the quoted and folded names agree.
const DATABASE_SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

function integerVariable(min: number, max: number, fallback: number) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return fallback;
      const parsed = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
      if (Number.isInteger(parsed) && parsed >= min && parsed <= max) return parsed;
      ctx.issues.push({ code: "custom", message: `must be an integer from ${min} to ${max}`, input: value });
      return z.NEVER;
    });
}

function pathVariable() {
  return z.string().max(4096, "must be at most 4096 characters").optional();
}

const envSchema = z.object({
  GATEHOUSE_HOST: z
    .string()
    .max(255, "must be at most 255 characters")
    .regex(/^[^\s/]+$/, "must be a host name or an IP address")
    .default("127.0.0.1"),
  GATEHOUSE_PORT: integerVariable(0, 65_535, 8007),
  GATEHOUSE_DATA_DIR: pathVariable(),
  GATEHOUSE_ADMIN_PASSWORD: z.string().max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`).optional(),
  GATEHOUSE_WORKERS: integerVariable(1, MAX_WORKERS, 1),
  GATEHOUSE_DATABASE_URL: z
    .string()
    .optional()
    .refine((value) => value === undefined || isPostgresUrl(value), "must be a postgres:// or postgresql:// URL"),
  GATEHOUSE_DATABASE_SCHEMA: z
    .string()
    .regex(DATABASE_SCHEMA_PATTERN, "must be 1-63 characters of a-z, 0-9 and _, not starting with a digit")
    .optional(),
  GATEHOUSE_DATABASE_LISTEN_URL: z
    .string()
    .optional()
    .refine((value) => value === undefined || isPostgresUrl(value), "must be a postgres:// or postgresql:// URL"),
  GATEHOUSE_TOKEN_CACHE_TTL_S: integerVariable(0, MAX_TOKEN_CACHE_TTL_S, 60),
  GATEHOUSE_TLS_CERT_FILE: pathVariable(),
  GATEHOUSE_TLS_KEY_FILE: pathVariable(),
  GATEHOUSE_WEB_DIR: pathVariable(),
  GATEHOUSE_LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
  GATEHOUSE_LEGACY_TICKETS: z.enum(["on", "off"], { error: "must be on or off" }).default("on"),
  GATEHOUSE_TEST_EXPOSE_WORKER: z.enum(["0", "1"], { error: "must be 0 or 1" }).default("0"),
  GATEHOUSE_SHUTDOWN_TIMEOUT_S: integerVariable(1, MAX_SHUTDOWN_TIMEOUT_S, 10),
  GATEHOUSE_MAX_TOKENS_PER_USER: integerVariable(1, MAX_TOKEN_QUOTA, DEFAULT_MAX_TOKENS_PER_USER),
  GATEHOUSE_MAX_TOKENS: integerVariable(1, MAX_TOKEN_QUOTA, DEFAULT_MAX_TOKENS),
  GATEHOUSE_WEBAUTHN_RP_ID: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      const problem = value === undefined ? null : checkRpId(value);
      if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
    }),
  GATEHOUSE_WEBAUTHN_ORIGIN: z
    .string()
    .max(2048, "must be at most 2048 characters")
    .optional()
    .superRefine((value, ctx) => {
      const problem = value === undefined ? null : checkOrigins(value);
      if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
    }),
  GATEHOUSE_AUDIT_MAX_BYTES: integerVariable(1024, 1024 ** 4, DEFAULT_AUDIT_RETENTION.maxFileBytes),
  GATEHOUSE_AUDIT_RETAIN_FILES: integerVariable(0, 999, DEFAULT_AUDIT_RETENTION.retainedFiles),
  GATEHOUSE_AUDIT_RETAIN_DAYS: integerVariable(0, AUDIT_RETENTION_DAYS_MAX, 0),
});

function isPostgresUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const protocol = new URL(value).protocol;
  return protocol === "postgres:" || protocol === "postgresql:";
}

/**
 * Reads the configuration. An empty variable counts as unset, the way shell and
 * compose files usually mean it. Relative paths resolve against `cwd`.
 */
export function loadConfig(processEnv: NodeJS.ProcessEnv, cwd: string): Result<LoadedConfig> {
  const applied = applyConfigFile(processEnv, cwd);
  if (!applied.ok) return applied;
  const { env, origins } = applied.value;
  const raw: Record<string, string> = {};
  for (const name of KNOWN_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== "") raw[name] = value;
  }
  const parsed = envSchema.safeParse(raw);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? "environment");
      const origin = origins.get(name);
      problems.push(`${name} ${issue.message}${origin === undefined ? "" : ` (${origin})`}`);
    }
  }
  const certFile = raw.GATEHOUSE_TLS_CERT_FILE;
  const keyFile = raw.GATEHOUSE_TLS_KEY_FILE;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    problems.push("GATEHOUSE_TLS_CERT_FILE and GATEHOUSE_TLS_KEY_FILE must be set together (or neither, for a self-signed certificate)");
  }
  // Without the URL the file store would start silently, not the database the operator meant.
  for (const name of ["GATEHOUSE_DATABASE_SCHEMA", "GATEHOUSE_DATABASE_LISTEN_URL"] as const) {
    if (raw[name] !== undefined && raw.GATEHOUSE_DATABASE_URL === undefined) problems.push(`${name} needs GATEHOUSE_DATABASE_URL`);
  }
  if (problems.length > 0 || !parsed.success) {
    return err(`invalid configuration: ${problems.join("; ")}`);
  }
  const vars = parsed.data;
  const toPath = (path: string) => (isAbsolute(path) ? path : resolve(cwd, path));
  const config: ServerConfig = {
    host: vars.GATEHOUSE_HOST,
    port: vars.GATEHOUSE_PORT,
    dataDir: toPath(vars.GATEHOUSE_DATA_DIR ?? "./data"),
    adminPassword: vars.GATEHOUSE_ADMIN_PASSWORD,
    workers: vars.GATEHOUSE_WORKERS,
    databaseUrl: vars.GATEHOUSE_DATABASE_URL,
    databaseSchema: vars.GATEHOUSE_DATABASE_SCHEMA,
    databaseListenUrl: vars.GATEHOUSE_DATABASE_LISTEN_URL,
    tokenCacheTtlS: vars.GATEHOUSE_TOKEN_CACHE_TTL_S,
    tls: certFile !== undefined && keyFile !== undefined ? { certFile: toPath(certFile), keyFile: toPath(keyFile) } : undefined,
    webDir: vars.GATEHOUSE_WEB_DIR === undefined ? undefined : toPath(vars.GATEHOUSE_WEB_DIR),
    logLevel: vars.GATEHOUSE_LOG_LEVEL,
    legacyTickets: vars.GATEHOUSE_LEGACY_TICKETS === "on",
    exposeWorkerId: vars.GATEHOUSE_TEST_EXPOSE_WORKER === "1",
    shutdownTimeoutS: vars.GATEHOUSE_SHUTDOWN_TIMEOUT_S,
    maxTokensPerUser: vars.GATEHOUSE_MAX_TOKENS_PER_USER,
    maxTokens: vars.GATEHOUSE_MAX_TOKENS,
    webauthn: deriveWebauthnConfig(vars.GATEHOUSE_HOST, vars.GATEHOUSE_PORT, vars.GATEHOUSE_WEBAUTHN_RP_ID, vars.GATEHOUSE_WEBAUTHN_ORIGIN),
    auditRetention: { maxFileBytes: vars.GATEHOUSE_AUDIT_MAX_BYTES, retainedFiles: vars.GATEHOUSE_AUDIT_RETAIN_FILES },
    auditRetainDays: vars.GATEHOUSE_AUDIT_RETAIN_DAYS,
  };
  const known = new Set<string>(KNOWN_VARIABLES);
  const warnings = Object.keys(env)
    .filter((name) => name.startsWith("GATEHOUSE_") && name !== CONFIG_FILE_VARIABLE && !known.has(name))
    .sort()
    .map((name) => {
      const origin = origins.get(name);
      return `unknown variable ${name}${origin === undefined ? "" : ` (${origin})`} ignored (known: ${KNOWN_VARIABLES.join(", ")})`;
    });
  return ok({ config, warnings: [...applied.value.warnings, ...warnings] });
}

export interface AppliedConfigFile {
  /** The environment with the file's values under it: a variable set in both keeps the environment's. */
  env: NodeJS.ProcessEnv;
  /** `file:line` of each value taken from the file, for messages. */
  origins: Map<string, string>;
  warnings: string[];
}

// What systemd's EnvironmentFile= would accept for these names, minus its escapes.
const ASSIGNMENT = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;
const MAX_CONFIG_FILE_BYTES = 64 * 1024;

/**
 * Reads the file GATEHOUSE_CONFIG names, if any, into the environment the rest of
 * the configuration reads (the server's and the admin CLI's alike). A missing or
 * malformed file is an error naming the file and line; a file other users can read
 * is a warning, because it may hold the admin password or the database URL.
 */
export function applyConfigFile(env: NodeJS.ProcessEnv, cwd: string): Result<AppliedConfigFile> {
  const configured = env[CONFIG_FILE_VARIABLE];
  if (configured === undefined || configured === "") return ok({ env, origins: new Map(), warnings: [] });
  const path = isAbsolute(configured) ? configured : resolve(cwd, configured);
  const read = readConfigFile(path);
  if (!read.ok) return read;
  const merged: NodeJS.ProcessEnv = { ...env };
  const origins = new Map<string, string>();
  for (const [name, { value, line }] of read.value.values) {
    if (env[name] !== undefined && env[name] !== "") continue;
    merged[name] = value;
    origins.set(name, `${path}:${line}`);
  }
  return ok({ env: merged, origins, warnings: read.value.warnings });
}

export function readConfigFile(path: string): Result<{ values: Map<string, { value: string; line: number }>; warnings: string[] }> {
  const where = `${CONFIG_FILE_VARIABLE} file ${path}`;
  let text: string;
  const warnings: string[] = [];
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return err(`invalid configuration: ${where} is not a regular file`);
    if (stat.size > MAX_CONFIG_FILE_BYTES) return err(`invalid configuration: ${where} is larger than ${MAX_CONFIG_FILE_BYTES} bytes`);
    if ((stat.mode & 0o004) !== 0)
      warnings.push(`${where} is readable by every user; it may hold secrets (chmod 640 and chown root:gatehouse)`);
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return err(`invalid configuration: cannot read ${where} (${typeof code === "string" ? code : String(error)})`);
  }
  const values = new Map<string, { value: string; line: number }>();
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = index + 1;
    const trimmed = rawLine.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) return;
    const match = ASSIGNMENT.exec(trimmed);
    if (match === null) {
      problems.push(`line ${line} is not NAME=value`);
      return;
    }
    const name = match[1] ?? "";
    const value = unquote(match[2] ?? "");
    if (value === null) problems.push(`line ${line}: ${name} has an unterminated quote`);
    else if (!name.startsWith("GATEHOUSE_")) problems.push(`line ${line}: ${name} is not a GATEHOUSE_ variable`);
    else if (name === CONFIG_FILE_VARIABLE) problems.push(`line ${line}: ${name} cannot be set inside the config file`);
    else if (values.has(name)) problems.push(`line ${line}: ${name} is set twice (first on line ${values.get(name)?.line})`);
    else values.set(name, { value, line });
  });
  if (problems.length > 0) return err(`invalid configuration: ${where}: ${problems.join("; ")}`);
  return ok({ values, warnings });
}

/** `"a b"` and `'a b'` lose their quotes; anything else is taken as written. Null: an opening quote without its closing one. */
function unquote(value: string): string | null {
  const first = value[0];
  if (first !== '"' && first !== "'") return value;
  if (value.length < 2 || value[value.length - 1] !== first) return null;
  return value.slice(1, -1);
}

/** The base URL to print and to test against; IPv6 hosts need brackets. */
export function formatBaseUrl(host: string, port: number): string {
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return `https://${shownHost}:${port}`;
}
