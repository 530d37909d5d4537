/**
 * The admin CLI: user, token and ACL management on the server's data dir, acting as
 * SYSTEM_ACTOR (whoever can read the data dir can do anything anyway), or with
 * `--server` on a running server over HTTPS through @gatehouse/client, as the user
 * or token that logs in. Data-dir changes go through the same store lock and
 * generation bump as API changes, so a running server honours them on its next request.
 */
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  AccessControl,
  applyPbsImport,
  ConflictError,
  InvalidParameterError,
  isRoleId,
  NotFoundError,
  PermissionDeniedError,
  StoreCorruptError,
  StoreLockTimeoutError,
  parseAuthid,
  PbsImportError,
  readPbsConfigDir,
  ROLE_IDS,
  type PbsImportReport,
  type AccessStore,
} from "@gatehouse/auth-core";
import {
  GatehouseApiError,
  GatehouseClient,
  GatehouseConnectionError,
  LoginFlowError,
  TlsFingerprintMismatchError,
} from "@gatehouse/client";
import { createNodeTransport, normalizeFingerprint } from "@gatehouse/client/node";
import { StartupError } from "../errors.js";
import { openConfiguredStore } from "../open-store.js";
import { createLocalAdminApi, createRemoteAdminApi, type AdminApi } from "./admin-api.js";
import { formatTable } from "./format-table.js";

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Everything on standard input, for `--password-stdin`. */
  readStdin: () => Promise<string>;
  /** Asks without echo; null when there is no terminal to ask on. */
  promptHidden: (question: string) => Promise<string | null>;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

class UsageError extends Error {
  override readonly name = "UsageError";
}

export const USAGE = `Usage: gatehouse [--data-dir DIR] <command> [arguments] [options]
       gatehouse --server https://HOST:8007 [--fingerprint FP] [--user USERID] <command> ...

Users:
  user list [--json]
  user add <userid> [--password-stdin] [--comment TEXT] [--email ADDR]
           [--firstname NAME] [--lastname NAME] [--expire EPOCH] [--disabled]
  user passwd <userid> [--password-stdin]
  user enable <userid>
  user disable <userid>
  user delete <userid>              also deletes its tokens and ACL entries
  user end-sessions <userid>        refuses every ticket issued to the user until now

API tokens (<tokenid> is user@realm!name):
  token list [<userid>] [--json]
  token add <tokenid> [--comment TEXT] [--expire EPOCH] [--disabled]
  token regenerate <tokenid>        the old secret stops working at once
  token enable <tokenid>
  token disable <tokenid>
  token delete <tokenid>

Import from Proxmox Backup Server (this data dir or database only, not --server):
  import-pbs <dir> [--json]         user.cfg, acl.cfg, shadow.json and token.shadow
                                    of a PBS config dir (/etc/proxmox-backup); what
                                    exists here is kept, a rerun adds nothing

ACL (roles: Admin, Audit, NoAccess, Datastore*, Remote*, Tape*; GET /access/roles):
  acl list [--path PATH] [--json]
  acl set <path> <auth-id> <role> [--no-propagate]
  acl remove <path> <auth-id> <role>

Options:
  --data-dir DIR      the server's data dir (default: $GATEHOUSE_DATA_DIR or ./data)
  --password-stdin    read the password from the first line of standard input;
                      without it, 'user add' sets no password unless asked on a
                      terminal, and 'user passwd' asks on the terminal
  --server URL        work on a running server instead of a data dir
  --fingerprint FP    the SHA-256 fingerprint of its certificate (aa:bb:...), for a
                      self-signed one; default $GATEHOUSE_FINGERPRINT or $PBS_FINGERPRINT.
                      Any other certificate is refused. Without it, the system CAs decide.
  --user USERID       log in as this user (default admin@pbs); the password is asked
                      on the terminal, or read from the first line of standard input
                      (before the new password when --password-stdin is given too).
                      With $GATEHOUSE_TOKEN='user@realm!name:secret' an API token is
                      used instead, and no password is asked.
  --json              machine-readable output
  -h, --help          this text

A new token secret is printed once and cannot be shown again.
Exit codes: 0 done, 1 the operation failed, 2 bad usage.
`;

const OPTIONS = {
  "data-dir": { type: "string" },
  json: { type: "boolean" },
  "password-stdin": { type: "boolean" },
  comment: { type: "string" },
  email: { type: "string" },
  firstname: { type: "string" },
  lastname: { type: "string" },
  expire: { type: "string" },
  disabled: { type: "boolean" },
  "no-propagate": { type: "boolean" },
  path: { type: "string" },
  server: { type: "string" },
  fingerprint: { type: "string" },
  user: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const DEFAULT_REMOTE_USER = "admin@pbs";

type Options = ReturnType<typeof parseCommandLine>["values"];

function parseCommandLine(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    io.stderr(`gatehouse: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (values.help === true || positionals.length === 0) {
    (values.help === true ? io.stdout : io.stderr)(USAGE);
    return values.help === true ? EXIT_OK : EXIT_USAGE;
  }
  if (positionals[0] === IMPORT_PBS_COMMAND) return runImportPbs(positionals.slice(1), values, io);
  let api: AdminApi | null = null;
  try {
    const command = findCommand(positionals);
    const nextStdinLine = createStdinLines(io);
    api =
      values.server === undefined
        ? createLocalAdminApi(await AccessControl.open({ store: await openStore(values, io) }))
        : await connectRemote(values, io, nextStdinLine);
    await command(api, positionals.slice(2), values, { ...io, nextStdinLine });
    return EXIT_OK;
  } catch (error) {
    return reportError(error, io);
  } finally {
    await api?.close();
  }
}

const IMPORT_PBS_COMMAND = "import-pbs";

/**
 * `gatehouse import-pbs DIR`: the PBS config in DIR merged into this data dir's (or
 * database's) store in one mutation, with a report of what was added, what was
 * already here and what was left out and why.
 */
async function runImportPbs(args: string[], values: Options, io: CliIo): Promise<number> {
  let store: AccessStore | null = null;
  try {
    if (values.server !== undefined) throw new UsageError("import-pbs works on the data dir or database, not through --server");
    const [dir] = takeArguments(args, ["dir"]);
    if (dir === undefined) throw new UsageError("expected <dir>");
    const plan = await readPbsConfigDir(isAbsolute(dir) ? dir : resolve(io.cwd, dir));
    store = await openStore(values, io);
    const report = await applyPbsImport(store, plan);
    if (values.json === true) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    else io.stdout(formatImportReport(report));
    return EXIT_OK;
  } catch (error) {
    if (error instanceof PbsImportError) {
      io.stderr(`gatehouse: ${error.message}\n`);
      return EXIT_FAILED;
    }
    return reportError(error, io);
  } finally {
    await store?.close();
  }
}

function formatImportReport(report: PbsImportReport): string {
  const kinds = ["users", "tokens", "acl", "passwords", "tokenSecrets"] as const;
  const labels: Record<(typeof kinds)[number], string> = {
    users: "users",
    tokens: "API tokens",
    acl: "ACL entries",
    passwords: "passwords",
    tokenSecrets: "token secrets",
  };
  const lines = kinds.map((kind) => `  ${labels[kind]}: ${report.added[kind]} added, ${report.unchanged[kind]} already here`);
  const skipped = report.skipped.map((skip) => `  ${skip.kind} ${skip.id}: ${skip.reason}`);
  return [
    "Imported from PBS:",
    ...lines,
    ...(skipped.length === 0 ? ["Nothing was left out."] : [`Left out (${skipped.length}):`, ...skipped]),
    "",
  ].join("\n");
}

/** Standard input, read once and handed out a line at a time (a login password, then a new password). */
function createStdinLines(io: CliIo): () => Promise<string | undefined> {
  let lines: Promise<string[]> | undefined;
  return async () => {
    lines ??= io.readStdin().then((text) => text.split(/\r?\n/));
    return (await lines).shift();
  };
}

async function connectRemote(values: Options, io: CliIo, nextStdinLine: () => Promise<string | undefined>): Promise<AdminApi> {
  const server = values.server ?? "";
  if (!URL.canParse(server) || new URL(server).protocol !== "https:") {
    throw new UsageError(`--server takes an https:// URL, e.g. https://backup.example:8007 (got '${server.slice(0, 100)}')`);
  }
  const rawFingerprint = values.fingerprint ?? (io.env.GATEHOUSE_FINGERPRINT || io.env.PBS_FINGERPRINT || undefined);
  if (rawFingerprint !== undefined && normalizeFingerprint(rawFingerprint) === null) {
    throw new UsageError("--fingerprint takes a SHA-256 fingerprint: 64 hex digits, pairs may be separated by colons");
  }
  const baseUrl = new URL(server).origin;
  const token = io.env.GATEHOUSE_TOKEN || undefined;
  let auth: { tokenId: string; secret: string } | { username: string; password: string };
  if (token !== undefined) {
    // The secret is a UUID, so the last ':' ends the token id.
    const colon = token.lastIndexOf(":");
    if (colon < 0) throw new UsageError("GATEHOUSE_TOKEN must be '<user@realm!name>:<secret>'");
    auth = { tokenId: token.slice(0, colon), secret: token.slice(colon + 1) };
  } else {
    const username = values.user ?? DEFAULT_REMOTE_USER;
    const password = (await io.promptHidden(`Password for ${username}: `)) ?? (await nextStdinLine());
    if (password === undefined || password === "") {
      throw new UsageError("no password: type it at the prompt, give it on standard input, or set GATEHOUSE_TOKEN");
    }
    auth = { username, password };
  }
  const transport = createNodeTransport(rawFingerprint === undefined ? {} : { fingerprint: rawFingerprint });
  const client = new GatehouseClient({ baseUrl, auth, fetch: transport.fetch });
  const api = createRemoteAdminApi(client, transport, "password" in auth ? auth.password : undefined);
  try {
    // Connect now, so a refused certificate or a wrong password is reported before any change.
    if ("password" in auth) await client.login();
    else await client.version();
  } catch (error) {
    await api.close();
    throw error;
  }
  return api;
}

function reportError(error: unknown, io: CliIo): number {
  if (error instanceof UsageError) {
    io.stderr(`gatehouse: ${error.message}\nRun 'gatehouse --help' for usage.\n`);
    return EXIT_USAGE;
  }
  if (error instanceof InvalidParameterError) {
    const details = Object.entries(error.errors).map(([name, why]) => `\n  ${name}: ${why}`);
    io.stderr(`gatehouse: ${error.message}${details.join("")}\n`);
    return EXIT_FAILED;
  }
  if (error instanceof GatehouseApiError) {
    const details = Object.entries(error.errors).map(([name, why]) => `\n  ${name}: ${why}`);
    io.stderr(`gatehouse: the server refused: ${error.serverMessage} (HTTP ${error.status})${details.join("")}\n`);
    return EXIT_FAILED;
  }
  if (
    error instanceof TlsFingerprintMismatchError ||
    error instanceof GatehouseConnectionError ||
    error instanceof LoginFlowError ||
    error instanceof NotFoundError ||
    error instanceof ConflictError ||
    error instanceof PermissionDeniedError ||
    error instanceof StoreLockTimeoutError ||
    error instanceof StoreCorruptError ||
    error instanceof StartupError
  ) {
    io.stderr(`gatehouse: ${error.message}\n`);
    return EXIT_FAILED;
  }
  io.stderr(`gatehouse: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT_FAILED;
}

async function openStore(values: Options, io: CliIo): Promise<AccessStore> {
  const configured = values["data-dir"] ?? (io.env.GATEHOUSE_DATA_DIR || "./data");
  const dataDir = isAbsolute(configured) ? configured : resolve(io.cwd, configured);
  const databaseUrl = io.env.GATEHOUSE_DATABASE_URL || undefined;
  // A mistyped path must not silently create a fresh, empty store.
  if (databaseUrl === undefined && !existsSync(dataDir)) {
    throw new StartupError(`data dir ${dataDir} does not exist; start the server once or pass --data-dir`);
  }
  // The same database variables as the server, so the CLI edits the schema the nodes serve.
  return openConfiguredStore({
    dataDir,
    databaseUrl,
    databaseSchema: io.env.GATEHOUSE_DATABASE_SCHEMA || undefined,
    databaseListenUrl: io.env.GATEHOUSE_DATABASE_LISTEN_URL || undefined,
  });
}

/** The CLI's io, plus standard input a line at a time (it may hold a login password first). */
interface CommandIo extends CliIo {
  nextStdinLine: () => Promise<string | undefined>;
}

type Command = (api: AdminApi, args: string[], values: Options, io: CommandIo) => Promise<void>;

const COMMANDS: Record<string, Record<string, Command>> = {
  user: {
    list: listUsers,
    add: addUser,
    passwd: changePassword,
    enable: (api, args, _values, io) => setUserEnabled(api, args, io, true),
    disable: (api, args, _values, io) => setUserEnabled(api, args, io, false),
    delete: deleteUser,
    "end-sessions": endSessions,
  },
  token: {
    list: listTokens,
    add: addToken,
    regenerate: regenerateToken,
    enable: (api, args, _values, io) => setTokenEnabled(api, args, io, true),
    disable: (api, args, _values, io) => setTokenEnabled(api, args, io, false),
    delete: deleteToken,
  },
  acl: {
    list: listAcl,
    set: (api, args, values, io) => changeAcl(api, args, values, io, false),
    remove: (api, args, values, io) => changeAcl(api, args, values, io, true),
  },
};

function findCommand(positionals: string[]): Command {
  const [group = "", action = ""] = positionals;
  const actions = COMMANDS[group];
  if (actions === undefined) throw new UsageError(`unknown command '${group}' (expected user, token or acl)`);
  const command = actions[action];
  if (command === undefined) {
    throw new UsageError(`unknown ${group} command '${action}' (expected one of: ${Object.keys(actions).join(", ")})`);
  }
  return command;
}

function takeArguments(args: string[], names: string[], optional: string[] = []): string[] {
  if (args.length < names.length || args.length > names.length + optional.length) {
    const shape = [...names.map((n) => `<${n}>`), ...optional.map((n) => `[<${n}>]`)].join(" ");
    throw new UsageError(`expected ${shape}`);
  }
  return args;
}

function parseExpire(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,12}$/.test(raw)) throw new UsageError("--expire takes epoch seconds (0 = never)");
  return Number(raw);
}

function splitTokenId(tokenid: string): { userid: string; tokenName: string } {
  const parsed = parseAuthid(tokenid);
  if (!parsed.ok || parsed.value.tokenName === null) {
    throw new UsageError(`'${tokenid}' is not a token id (expected user@realm!name)`);
  }
  return { userid: parsed.value.userid, tokenName: parsed.value.tokenName };
}

async function readPassword(values: Options, io: CommandIo, required: boolean): Promise<string | undefined> {
  if (values["password-stdin"] === true) {
    const line = (await io.nextStdinLine()) ?? "";
    if (line === "") throw new UsageError("--password-stdin: standard input held no password");
    return line;
  }
  const first = await io.promptHidden("New password: ");
  if (first === null) {
    if (required) throw new UsageError("no terminal to ask for the password on; pass it with --password-stdin");
    return undefined;
  }
  if (first === "" && !required) return undefined;
  const second = await io.promptHidden("Repeat password: ");
  if (second !== first) throw new UsageError("the passwords did not match");
  return first;
}

function formatExpire(expire: number): string {
  return expire === 0 ? "never" : new Date(expire * 1000).toISOString().replace(".000Z", "Z");
}

async function listUsers(api: AdminApi, args: string[], values: Options, io: CommandIo): Promise<void> {
  takeArguments(args, []);
  const data = await api.listUsers();
  if (values.json === true) {
    io.stdout(`${JSON.stringify(data, null, 2)}\n`);
    return;
  }
  const rows = data.map((user) => [user.userid, user.enable ? "yes" : "no", formatExpire(user.expire), user.comment ?? ""]);
  io.stdout(formatTable(["USERID", "ENABLED", "EXPIRE", "COMMENT"], rows));
}

async function addUser(api: AdminApi, args: string[], values: Options, io: CommandIo): Promise<void> {
  const [userid = ""] = takeArguments(args, ["userid"]);
  const password = await readPassword(values, io, false);
  await api.createUser({
    userid,
    ...(password === undefined ? {} : { password }),
    enable: values.disabled !== true,
    ...definedFields({
      expire: parseExpire(values.expire),
      comment: values.comment,
      email: values.email,
      firstname: values.firstname,
      lastname: values.lastname,
    }),
  });
  io.stdout(`created user ${userid}${password === undefined ? " (no password; set one with 'gatehouse user passwd')" : ""}\n`);
}

async function changePassword(api: AdminApi, args: string[], values: Options, io: CommandIo): Promise<void> {
  const [userid = ""] = takeArguments(args, ["userid"]);
  const password = await readPassword(values, io, true);
  if (password === undefined) throw new UsageError("a password is required");
  await api.setPassword(userid, password);
  io.stdout(`changed the password of ${userid}\n`);
}

async function setUserEnabled(api: AdminApi, args: string[], io: CommandIo, enable: boolean): Promise<void> {
  const [userid = ""] = takeArguments(args, ["userid"]);
  await api.setUserEnabled(userid, enable);
  io.stdout(`${enable ? "enabled" : "disabled"} user ${userid}\n`);
}

async function deleteUser(api: AdminApi, args: string[], _values: Options, io: CommandIo): Promise<void> {
  const [userid = ""] = takeArguments(args, ["userid"]);
  await api.deleteUser(userid);
  io.stdout(`deleted user ${userid} with its tokens and ACL entries\n`);
}

async function endSessions(api: AdminApi, args: string[], _values: Options, io: CommandIo): Promise<void> {
  const [userid = ""] = takeArguments(args, ["userid"]);
  await api.endSessions(userid);
  io.stdout(`ended every session of ${userid}; its API tokens are unaffected\n`);
}

async function listTokens(api: AdminApi, args: string[], values: Options, io: CommandIo): Promise<void> {
  const [userid] = takeArguments(args, [], ["userid"]);
  const tokens = await api.listTokens(userid);
  if (values.json === true) {
    io.stdout(`${JSON.stringify(tokens, null, 2)}\n`);
    return;
  }
  const rows = tokens.map((token) => [token.tokenid, token.enable ? "yes" : "no", formatExpire(token.expire), token.comment ?? ""]);
  io.stdout(formatTable(["TOKENID", "ENABLED", "EXPIRE", "COMMENT"], rows));
}

function printSecret(io: CliIo, values: Options, tokenid: string, secret: string): void {
  if (values.json === true) {
    io.stdout(`${JSON.stringify({ tokenid, value: secret })}\n`);
    return;
  }
  io.stdout(`tokenid: ${tokenid}\nsecret:  ${secret}\n\nStore the secret now: it is shown only this once.\n`);
}

async function addToken(api: AdminApi, args: string[], values: Options, io: CommandIo): Promise<void> {
  const [tokenid = ""] = takeArguments(args, ["tokenid"]);
  const { userid, tokenName } = splitTokenId(tokenid);
  const created = await api.createToken(userid, tokenName, {
    enable: values.disabled !== true,
    ...definedFields({ expire: parseExpire(values.expire), comment: values.comment }),
  });
  printSecret(io, values, created.tokenid, created.value);
}

async function regenerateToken(api: AdminApi, args: string[], values: Options, io: CommandIo): Promise<void> {
  const [tokenid = ""] = takeArguments(args, ["tokenid"]);
  const { userid, tokenName } = splitTokenId(tokenid);
  const rotated = await api.regenerateToken(userid, tokenName);
  printSecret(io, values, rotated.tokenid, rotated.secret);
}

async function setTokenEnabled(api: AdminApi, args: string[], io: CommandIo, enable: boolean): Promise<void> {
  const [tokenid = ""] = takeArguments(args, ["tokenid"]);
  const { userid, tokenName } = splitTokenId(tokenid);
  await api.setTokenEnabled(userid, tokenName, enable);
  io.stdout(`${enable ? "enabled" : "disabled"} token ${tokenid}\n`);
}

async function deleteToken(api: AdminApi, args: string[], _values: Options, io: CommandIo): Promise<void> {
  const [tokenid = ""] = takeArguments(args, ["tokenid"]);
  const { userid, tokenName } = splitTokenId(tokenid);
  await api.deleteToken(userid, tokenName);
  io.stdout(`deleted token ${tokenid}\n`);
}

async function listAcl(api: AdminApi, args: string[], values: Options, io: CommandIo): Promise<void> {
  takeArguments(args, []);
  const data = await api.readAcl(values.path);
  if (values.json === true) {
    io.stdout(`${JSON.stringify(data, null, 2)}\n`);
    return;
  }
  const rows = data.map((entry) => [entry.path, entry.ugid, entry.ugid_type, entry.roleid, entry.propagate ? "yes" : "no"]);
  io.stdout(formatTable(["PATH", "AUTH-ID", "TYPE", "ROLE", "PROPAGATE"], rows));
}

async function changeAcl(api: AdminApi, args: string[], values: Options, io: CommandIo, remove: boolean): Promise<void> {
  const [path = "", authId = "", role = ""] = takeArguments(args, ["path", "auth-id", "role"]);
  if (!isRoleId(role)) throw new UsageError(`unknown role '${role}' (expected one of ${ROLE_IDS.join(", ")})`);
  await api.updateAcl({ path, authId, role, propagate: values["no-propagate"] !== true, delete: remove });
  io.stdout(`${remove ? "removed" : "set"} ${role} on ${path} for ${authId}\n`);
}

function definedFields<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
