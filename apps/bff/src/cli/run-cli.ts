/**
 * The admin CLI: user, token and ACL management on the server's data dir, acting as
 * SYSTEM_ACTOR (whoever can run it can read the data dir anyway). Changes go
 * through the same store lock and generation bump as API changes, so a running
 * server honours them on its next request.
 */
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  AccessControl,
  ConflictError,
  InvalidParameterError,
  NotFoundError,
  PermissionDeniedError,
  SYSTEM_ACTOR,
  StoreCorruptError,
  StoreLockTimeoutError,
  parseAuthid,
  type AccessStore,
} from "@gatehouse/auth-core";
import { StartupError } from "../errors.js";
import { openConfiguredStore } from "../open-store.js";
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

Users:
  user list [--json]
  user add <userid> [--password-stdin] [--comment TEXT] [--email ADDR]
           [--firstname NAME] [--lastname NAME] [--expire EPOCH] [--disabled]
  user passwd <userid> [--password-stdin]
  user enable <userid>
  user disable <userid>
  user delete <userid>              also deletes its tokens and ACL entries

API tokens (<tokenid> is user@realm!name):
  token list [<userid>] [--json]
  token add <tokenid> [--comment TEXT] [--expire EPOCH] [--disabled]
  token regenerate <tokenid>        the old secret stops working at once
  token enable <tokenid>
  token disable <tokenid>
  token delete <tokenid>

ACL (roles: Admin, Audit, NoAccess):
  acl list [--path PATH] [--json]
  acl set <path> <auth-id> <role> [--no-propagate]
  acl remove <path> <auth-id> <role>

Options:
  --data-dir DIR      the server's data dir (default: $GATEHOUSE_DATA_DIR or ./data)
  --password-stdin    read the password from the first line of standard input;
                      without it, 'user add' sets no password unless asked on a
                      terminal, and 'user passwd' asks on the terminal
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
  help: { type: "boolean", short: "h" },
} as const;

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
  let accessControl: AccessControl | null = null;
  try {
    const command = findCommand(positionals);
    const store = await openStore(values, io);
    accessControl = await AccessControl.open({ store });
    await command(accessControl, positionals.slice(2), values, io);
    return EXIT_OK;
  } catch (error) {
    return reportError(error, io);
  } finally {
    await accessControl?.close();
  }
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
  if (
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

type Command = (accessControl: AccessControl, args: string[], values: Options, io: CliIo) => Promise<void>;

const COMMANDS: Record<string, Record<string, Command>> = {
  user: {
    list: listUsers,
    add: addUser,
    passwd: changePassword,
    enable: (ac, args, _values, io) => setUserEnabled(ac, args, io, true),
    disable: (ac, args, _values, io) => setUserEnabled(ac, args, io, false),
    delete: deleteUser,
  },
  token: {
    list: listTokens,
    add: addToken,
    regenerate: regenerateToken,
    enable: (ac, args, _values, io) => setTokenEnabled(ac, args, io, true),
    disable: (ac, args, _values, io) => setTokenEnabled(ac, args, io, false),
    delete: deleteToken,
  },
  acl: {
    list: listAcl,
    set: (ac, args, values, io) => changeAcl(ac, args, values, io, false),
    remove: (ac, args, values, io) => changeAcl(ac, args, values, io, true),
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

async function readPassword(values: Options, io: CliIo, required: boolean): Promise<string | undefined> {
  if (values["password-stdin"] === true) {
    const line = (await io.readStdin()).split(/\r?\n/)[0] ?? "";
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

async function listUsers(ac: AccessControl, args: string[], values: Options, io: CliIo): Promise<void> {
  takeArguments(args, []);
  const { data } = await ac.listUsers(SYSTEM_ACTOR, { includeTokens: false });
  if (values.json === true) {
    io.stdout(`${JSON.stringify(data, null, 2)}\n`);
    return;
  }
  const rows = data.map((user) => [user.userid, user.enable ? "yes" : "no", formatExpire(user.expire), user.comment ?? ""]);
  io.stdout(formatTable(["USERID", "ENABLED", "EXPIRE", "COMMENT"], rows));
}

async function addUser(ac: AccessControl, args: string[], values: Options, io: CliIo): Promise<void> {
  const [userid = ""] = takeArguments(args, ["userid"]);
  const password = await readPassword(values, io, false);
  await ac.createUser(SYSTEM_ACTOR, {
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

async function changePassword(ac: AccessControl, args: string[], values: Options, io: CliIo): Promise<void> {
  const [userid = ""] = takeArguments(args, ["userid"]);
  const password = await readPassword(values, io, true);
  if (password === undefined) throw new UsageError("a password is required");
  await ac.setPassword(SYSTEM_ACTOR, userid, password);
  io.stdout(`changed the password of ${userid}\n`);
}

async function setUserEnabled(ac: AccessControl, args: string[], io: CliIo, enable: boolean): Promise<void> {
  const [userid = ""] = takeArguments(args, ["userid"]);
  await ac.updateUser(SYSTEM_ACTOR, userid, { enable });
  io.stdout(`${enable ? "enabled" : "disabled"} user ${userid}\n`);
}

async function deleteUser(ac: AccessControl, args: string[], _values: Options, io: CliIo): Promise<void> {
  const [userid = ""] = takeArguments(args, ["userid"]);
  await ac.deleteUser(SYSTEM_ACTOR, userid);
  io.stdout(`deleted user ${userid} with its tokens and ACL entries\n`);
}

async function listTokens(ac: AccessControl, args: string[], values: Options, io: CliIo): Promise<void> {
  const [userid] = takeArguments(args, [], ["userid"]);
  const tokens =
    userid === undefined
      ? (await ac.listUsers(SYSTEM_ACTOR, { includeTokens: true })).data.flatMap((user) => user.tokens ?? [])
      : (await ac.listTokens(SYSTEM_ACTOR, userid)).data;
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

async function addToken(ac: AccessControl, args: string[], values: Options, io: CliIo): Promise<void> {
  const [tokenid = ""] = takeArguments(args, ["tokenid"]);
  const { userid, tokenName } = splitTokenId(tokenid);
  const created = await ac.createToken(SYSTEM_ACTOR, userid, tokenName, {
    enable: values.disabled !== true,
    ...definedFields({ expire: parseExpire(values.expire), comment: values.comment }),
  });
  printSecret(io, values, created.tokenid, created.value);
}

async function regenerateToken(ac: AccessControl, args: string[], values: Options, io: CliIo): Promise<void> {
  const [tokenid = ""] = takeArguments(args, ["tokenid"]);
  const { userid, tokenName } = splitTokenId(tokenid);
  const rotated = await ac.updateToken(SYSTEM_ACTOR, userid, tokenName, { regenerate: true });
  if (rotated === null) throw new Error("regenerate returned no secret");
  printSecret(io, values, rotated.tokenid, rotated.secret);
}

async function setTokenEnabled(ac: AccessControl, args: string[], io: CliIo, enable: boolean): Promise<void> {
  const [tokenid = ""] = takeArguments(args, ["tokenid"]);
  const { userid, tokenName } = splitTokenId(tokenid);
  await ac.updateToken(SYSTEM_ACTOR, userid, tokenName, { enable });
  io.stdout(`${enable ? "enabled" : "disabled"} token ${tokenid}\n`);
}

async function deleteToken(ac: AccessControl, args: string[], _values: Options, io: CliIo): Promise<void> {
  const [tokenid = ""] = takeArguments(args, ["tokenid"]);
  const { userid, tokenName } = splitTokenId(tokenid);
  await ac.deleteToken(SYSTEM_ACTOR, userid, tokenName);
  io.stdout(`deleted token ${tokenid}\n`);
}

async function listAcl(ac: AccessControl, args: string[], values: Options, io: CliIo): Promise<void> {
  takeArguments(args, []);
  const { data } = await ac.readAcl(SYSTEM_ACTOR, values.path === undefined ? {} : { path: values.path });
  if (values.json === true) {
    io.stdout(`${JSON.stringify(data, null, 2)}\n`);
    return;
  }
  const rows = data.map((entry) => [entry.path, entry.ugid, entry.ugid_type, entry.roleid, entry.propagate ? "yes" : "no"]);
  io.stdout(formatTable(["PATH", "AUTH-ID", "TYPE", "ROLE", "PROPAGATE"], rows));
}

async function changeAcl(ac: AccessControl, args: string[], values: Options, io: CliIo, remove: boolean): Promise<void> {
  const [path = "", authId = "", role = ""] = takeArguments(args, ["path", "auth-id", "role"]);
  if (role !== "Admin" && role !== "Audit" && role !== "NoAccess") {
    throw new UsageError(`unknown role '${role}' (expected Admin, Audit or NoAccess)`);
  }
  await ac.updateAcl(SYSTEM_ACTOR, { path, authId, role, propagate: values["no-propagate"] !== true, delete: remove });
  io.stdout(`${remove ? "removed" : "set"} ${role} on ${path} for ${authId}\n`);
}

function definedFields<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
