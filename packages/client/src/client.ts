/**
 * A typed client for the access API of Gatehouse and of Proxmox Backup Server
 * (`/api2/json/access/...`), for Node scripts and for the browser (it needs only
 * `fetch`). Node's TLS options, fingerprint pinning included, live in `./node.ts`.
 *
 * Login follows pbs-client: the legacy flow by default, because HttpOnly protects
 * nothing outside a browser and an older server refuses the `http-only` parameter.
 * A server that has dropped the legacy flow answers with the ticket only in the
 * `__Host-` cookie; the client then carries on with that cookie (decision 025).
 */
import type {
  AclReading,
  AllTokensListing,
  CreatedToken,
  CreateTokenParams,
  CreateUserParams,
  Domains,
  ListAllTokensParams,
  ListTokensParams,
  ListUsersParams,
  Permissions,
  ReadAclParams,
  ReadPermissionsParams,
  Roles,
  AddTfaParams,
  TfaChallenge,
  TfaEntryView,
  TfaUpdateInfo,
  TfaUserView,
  TokenListing,
  TokenReading,
  UpdateAclParams,
  UpdatedToken,
  UpdateTokenParams,
  UpdateUserParams,
  UserListing,
  UserReading,
  VersionInfo,
} from "@gatehouse/bff/wire";
import {
  GatehouseApiError,
  GatehouseConnectionError,
  LoginFlowError,
  SecondFactorRequiredError,
  TlsFingerprintMismatchError,
} from "./errors.js";
import { parseRetryAfter } from "./retry-after.js";
import { readTicketTime } from "./ticket-time.js";

/** The part of `RequestInit` the client uses: string bodies and plain header records only. */
export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  credentials?: "omit" | "same-origin" | "include";
  signal?: AbortSignal;
}

/** What `fetch` the client needs; Node's global fetch, undici's and the browser's all fit. */
export type FetchLike = (input: string, init: FetchInit) => Promise<Response>;

export interface PasswordAuth {
  username: string;
  password: string;
}

export interface TokenAuth {
  /** `user@realm!tokenname`. */
  tokenId: string;
  secret: string;
}

export interface RetryOptions {
  /** Retries of one call after 429 or 503. Default 3. */
  maxRetries?: number;
  /** The longest single wait. A `Retry-After` beyond it ends the call at once with the error. Default 30 s. */
  maxDelayMs?: number;
}

/**
 * Which of PBS's two output formats to speak (proxmox-rest-server formatter.rs,
 * docs/decisions/015-api-formats.md): "json" (default) is what pbs-client and
 * proxmoxer use; "extjs" answers every outcome with HTTP 200 and the real status,
 * message and per-parameter `errors` in the body, which a form needs.
 */
export type ApiFormat = "json" | "extjs";

/** Calls back into the caller when something happens that a UI must react to. */
export interface ClientHooks {
  /**
   * An authenticated call ended in 401 after any fresh login the client could try:
   * the session is over (expired, revoked, ended by an admin). Not called for the
   * login itself, whose 401 means wrong credentials, nor for logout.
   */
  onUnauthorized?: (error: GatehouseApiError) => void;
}

/** Per call. */
export interface CallOptions {
  /** Aborts the call (and any wait between retries); the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface GatehouseClientOptions {
  /** `https://host:8007`; in the browser the page's origin (or `""` for same-origin). */
  baseUrl: string;
  /** A password (kept for renewal and one fresh login after a 401) or an API token. */
  auth?: PasswordAuth | TokenAuth;
  /**
   * Ask for the HttpOnly flow at login. Off by default outside a browser, like
   * pbs-client: an older server refuses the parameter with a 400.
   */
  httpOnly?: boolean;
  /**
   * Who holds the session cookie. "manual" (default in Node): the client keeps the
   * ticket and sends it. "browser" (default where `document` exists): the browser
   * keeps the HttpOnly cookie and this client never sees the ticket; implies `httpOnly`.
   */
  cookies?: "manual" | "browser";
  /** Default: the global fetch. In Node, `createNodeFetch()` from `@gatehouse/client/node` adds CA and pinning. */
  fetch?: FetchLike;
  retry?: RetryOptions;
  /** Default "json". */
  format?: ApiFormat;
  hooks?: ClientHooks;
  /** Injected for tests; default a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected for tests: epoch milliseconds. */
  now?: () => number;
  /**
   * Answers the second-factor challenge of a user with two-factor login: returns
   * `totp:<code>`, `recovery:<key>` or `webauthn:<json>`. Without it such a login
   * throws SecondFactorRequiredError, which `completeSecondFactor` continues from.
   */
  secondFactor?: (challenge: TfaChallenge, username: string) => Promise<string> | string;
}

/** What a call returns beside `data`: PBS puts a config digest there, and a paged listing its total. */
export interface Reply<T> {
  data: T;
  digest?: string;
  total?: number;
}

/** The session as the caller may see it: never the ticket. */
export interface SessionInfo {
  username: string;
  /** Unix seconds the current ticket was issued at. */
  ticketTime: number;
  /** "body": the server returned the ticket (legacy flow); "cookie": only the `__Host-` cookie holds it. */
  carriedBy: "body" | "cookie";
}

/** The parameters of a call that the path already names. */
type Without<T, K extends keyof T> = Omit<T, K>;

type Method = "GET" | "POST" | "PUT" | "DELETE";

type Params = Record<string, unknown>;

/** PBS's ticket lifetime (proxmox-auth-api TICKET_LIFETIME): 2 hours. */
export const TICKET_LIFETIME_S = 7200;
/**
 * Renew once a ticket is an hour old: the PBS console renews at half the lifetime,
 * which leaves an hour for clock skew and long pauses between calls.
 */
export const RENEW_AFTER_S = 3600;

const TICKET_COOKIE = "__Host-PBSAuthCookie";
const PARTIAL_TICKET_PREFIX = "PBS:!tfa!";
// The cookie older PBS releases read; a body ticket goes back in it, as pbs-client sends it.
const LEGACY_TICKET_COOKIE = "PBSAuthCookie";
const DEFAULT_MAX_RETRIES = 3;
const DEFAULT_MAX_RETRY_DELAY_MS = 30_000;
// Without Retry-After: 0.5 s, 1 s, 2 s...
const FALLBACK_RETRY_BASE_MS = 500;

interface Session {
  username: string;
  csrf: string;
  ticketTime: number;
  carriedBy: "body" | "cookie";
  /** The `Cookie` header this client sends; null when the browser holds the cookie. */
  cookieHeader: string | null;
  /** The ticket, for renewal by posting it as the password; null when the browser holds it. */
  ticket: string | null;
}

interface LoginAnswer {
  username?: unknown;
  ticket?: unknown;
  "ticket-info"?: unknown;
  CSRFPreventionToken?: unknown;
}

export class GatehouseClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: FetchLike;
  private readonly cookies: "manual" | "browser";
  private readonly httpOnly: boolean;
  private readonly maxRetries: number;
  private readonly maxRetryDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly auth: PasswordAuth | TokenAuth | undefined;
  private readonly format: ApiFormat;
  private readonly hooks: ClientHooks;
  private readonly secondFactor: GatehouseClientOptions["secondFactor"];
  private session: Session | null = null;
  // One renewal or login at a time: concurrent calls wait for the same one.
  private pendingLogin: Promise<Session> | null = null;

  constructor(options: GatehouseClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.cookies = options.cookies ?? (typeof (globalThis as { document?: unknown }).document === "undefined" ? "manual" : "browser");
    this.httpOnly = this.cookies === "browser" || options.httpOnly === true;
    this.maxRetries = options.retry?.maxRetries ?? DEFAULT_MAX_RETRIES;
    this.maxRetryDelayMs = options.retry?.maxDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
    this.auth = options.auth;
    this.format = options.format ?? "json";
    this.hooks = options.hooks ?? {};
    this.secondFactor = options.secondFactor;
    if (this.cookies === "browser" && options.auth !== undefined && "password" in options.auth) {
      // A browser page must not keep a password in memory for later logins.
      throw new TypeError("GatehouseClient: in browser mode pass the password to login(), not as `auth`");
    }
  }

  // --- the session --------------------------------------------------------------

  /** The current session, or null before a login (and always with token auth). */
  get sessionInfo(): SessionInfo | null {
    if (this.session === null) return null;
    const { username, ticketTime, carriedBy } = this.session;
    return { username, ticketTime, carriedBy };
  }

  /**
   * Logs in with the given password, or with the one from `auth`. Only a password
   * from `auth` is kept, for the one fresh login after a 401.
   */
  async login(credentials?: PasswordAuth, options: CallOptions = {}): Promise<SessionInfo> {
    const login = credentials ?? this.passwordAuth();
    if (login === null) throw new TypeError("GatehouseClient.login: no password given and none configured in `auth`");
    this.session = null;
    await this.singleLogin(() => this.postTicket(login.username, login.password, options.signal));
    return this.sessionInfo!;
  }

  /**
   * The current session with its ticket, to hand to another tool (as pbs-client keeps
   * its ticket in a cache file). Null before a login, with token auth, and in browser
   * mode, where no script can read the ticket.
   */
  exportSession(): { username: string; ticket: string; CSRFPreventionToken: string } | null {
    const session = this.session;
    if (session === null || session.ticket === null) return null;
    return { username: session.username, ticket: session.ticket, CSRFPreventionToken: session.csrf };
  }

  /**
   * Adopts a session the browser already holds in its HttpOnly cookie (after a page
   * load), from the values the server handed the page.
   */
  resumeSession(session: { username: string; CSRFPreventionToken: string; ticketInfo?: string }): void {
    if (this.cookies !== "browser") throw new TypeError("GatehouseClient.resumeSession: only in browser mode");
    // Without the ticket-info the ticket's age is unknown: treat it as due for renewal,
    // so the first call renews it before anything else.
    const ticketTime =
      session.ticketInfo === undefined ? Math.floor(this.now() / 1000) - RENEW_AFTER_S : readTicketTime(session.ticketInfo);
    if (ticketTime === null) throw new TypeError("GatehouseClient.resumeSession: ticketInfo is not a PBS ticket-info");
    this.session = {
      username: session.username,
      csrf: session.CSRFPreventionToken,
      ticketTime,
      carriedBy: "cookie",
      cookieHeader: null,
      ticket: null,
    };
  }

  /**
   * The second step of a login that threw SecondFactorRequiredError: `response` is
   * `totp:<code>`, `recovery:<key>` or `webauthn:<json>`.
   */
  async completeSecondFactor(required: SecondFactorRequiredError, response: string): Promise<SessionInfo> {
    this.session = null;
    await this.singleLogin(() => this.postSecondFactor(required.username, required.partialTicket, response));
    return this.sessionInfo!;
  }

  /** Renews the ticket now, by posting it (or, in a browser, its cookie) to /access/ticket. */
  async renew(): Promise<SessionInfo> {
    const session = this.session;
    if (session === null) throw new TypeError("GatehouseClient.renew: not logged in");
    await this.singleLogin(() => this.postRenewal(session));
    return this.sessionInfo!;
  }

  /** Forgets the session without telling the server (it already ended it, or the page is leaving). */
  forgetSession(): void {
    this.session = null;
  }

  /** Logs out: the server clears its cookie, and the client forgets the session. */
  async logout(): Promise<void> {
    try {
      if (this.session !== null) await this.send("DELETE", "/access/ticket", {}, { authenticate: true, retryLogin: false, quiet: true });
    } finally {
      this.session = null;
    }
  }

  // --- generic calls ------------------------------------------------------------

  /**
   * One authenticated call to a path under /api2/json. GET and DELETE send `params`
   * in the query string, POST and PUT as a JSON body.
   */
  async request<T>(method: Method, path: string, params: Params = {}, options: CallOptions = {}): Promise<Reply<T>> {
    return (await this.send(method, path, params, { authenticate: true, retryLogin: true, signal: options.signal })) as Reply<T>;
  }

  // --- typed routes -------------------------------------------------------------

  async version(): Promise<VersionInfo> {
    return (await this.request<VersionInfo>("GET", "/version")).data;
  }

  /** The realms; needs no login. */
  async listDomains(options: CallOptions = {}): Promise<Domains> {
    return (await this.send("GET", "/access/domains", {}, { authenticate: false, retryLogin: false, signal: options.signal }))
      .data as Domains;
  }

  listUsers(params: ListUsersParams = {}): Promise<UserListing> {
    return this.request("GET", "/access/users", params) as Promise<UserListing>;
  }

  async createUser(params: CreateUserParams): Promise<void> {
    await this.request("POST", "/access/users", params);
  }

  readUser(userid: string): Promise<UserReading> {
    return this.request("GET", `/access/users/${encodeURIComponent(userid)}`) as Promise<UserReading>;
  }

  async updateUser(userid: string, changes: Without<UpdateUserParams, "userid">): Promise<void> {
    await this.request("PUT", `/access/users/${encodeURIComponent(userid)}`, changes);
  }

  async deleteUser(userid: string, options: { digest?: string } = {}): Promise<void> {
    await this.request("DELETE", `/access/users/${encodeURIComponent(userid)}`, options);
  }

  /** Ends every session (ticket) of the user issued until now; its API tokens keep working. Not in PBS. */
  async endSessions(userid: string): Promise<void> {
    await this.request("POST", `/access/users/${encodeURIComponent(userid)}/end-sessions`);
  }

  /**
   * Sets a user's password (PUT /access/password). A logged-in user confirms with
   * its own current password, as PBS requires (`confirmation-password`).
   */
  async setPassword(userid: string, password: string, confirmationPassword?: string): Promise<void> {
    await this.request("PUT", "/access/password", {
      userid,
      password,
      ...(confirmationPassword === undefined ? {} : { "confirmation-password": confirmationPassword }),
    });
  }

  listTokens(userid: string, params: Without<ListTokensParams, "userid"> = {}): Promise<TokenListing> {
    return this.request("GET", tokensPath(userid), params) as Promise<TokenListing>;
  }

  /** Every token the caller may see, with its status (a Gatehouse extension). */
  listAllTokens(params: ListAllTokensParams = {}): Promise<AllTokensListing> {
    return this.request("GET", "/access/tokens", params) as Promise<AllTokensListing>;
  }

  readToken(userid: string, tokenName: string): Promise<TokenReading> {
    return this.request("GET", tokenPath(userid, tokenName)) as Promise<TokenReading>;
  }

  /** Creates a token; its secret (`value`) is in this answer only. */
  async createToken(
    userid: string,
    tokenName: string,
    options: Without<CreateTokenParams, "userid" | "tokenname"> = {},
  ): Promise<CreatedToken> {
    return (await this.request<CreatedToken>("POST", tokenPath(userid, tokenName), options)).data;
  }

  async updateToken(
    userid: string,
    tokenName: string,
    changes: Without<UpdateTokenParams, "userid" | "tokenname" | "regenerate">,
  ): Promise<void> {
    await this.request<UpdatedToken>("PUT", tokenPath(userid, tokenName), changes);
  }

  /**
   * Replaces a token's secret; the old one is refused from this answer on, or with
   * `grace` (seconds, a Gatehouse extension) from that many seconds after it.
   */
  async regenerateToken(
    userid: string,
    tokenName: string,
    options: { digest?: string; grace?: number } = {},
  ): Promise<{ tokenid: string; secret: string }> {
    const { data } = await this.request<UpdatedToken>("PUT", tokenPath(userid, tokenName), { ...options, regenerate: true });
    if (data === null) throw new LoginFlowError("the server answered a regenerate without the new secret");
    return data;
  }

  /** Everyone's second factors with Sys.Audit on /access/users, else the caller's own. */
  async listTfa(): Promise<TfaUserView[]> {
    return (await this.request<TfaUserView[]>("GET", "/access/tfa")).data;
  }

  async listUserTfa(userid: string): Promise<TfaEntryView[]> {
    return (await this.request<TfaEntryView[]>("GET", `/access/tfa/${encodeURIComponent(userid)}`)).data;
  }

  /** Adds a factor; `password` is the caller's own. Recovery keys are in this answer only. */
  async addTfa(userid: string, params: Without<AddTfaParams, "userid">): Promise<TfaUpdateInfo> {
    return (await this.request<TfaUpdateInfo>("POST", `/access/tfa/${encodeURIComponent(userid)}`, params)).data;
  }

  async deleteTfa(userid: string, id: string, password?: string): Promise<void> {
    await this.request(
      "DELETE",
      `/access/tfa/${encodeURIComponent(userid)}/${encodeURIComponent(id)}`,
      password === undefined ? {} : { password },
    );
  }

  /** Clears a user's TOTP lock and second-factor lockout; whether it was locked. */
  async unlockTfa(userid: string): Promise<boolean> {
    return (await this.request<boolean>("PUT", `/access/users/${encodeURIComponent(userid)}/unlock-tfa`)).data;
  }

  async deleteToken(userid: string, tokenName: string, options: { digest?: string } = {}): Promise<void> {
    await this.request("DELETE", tokenPath(userid, tokenName), options);
  }

  readAcl(params: ReadAclParams = {}): Promise<AclReading> {
    return this.request("GET", "/access/acl", params) as Promise<AclReading>;
  }

  /** Adds an ACL entry, or removes it with `delete: true`. */
  async updateAcl(params: UpdateAclParams): Promise<void> {
    await this.request("PUT", "/access/acl", params);
  }

  /** Effective privileges per path, of the caller or of `auth-id`. */
  async readPermissions(params: ReadPermissionsParams = {}): Promise<Permissions> {
    return (await this.request<Permissions>("GET", "/access/permissions", params)).data;
  }

  /** The roles and the privileges each grants. */
  async listRoles(): Promise<Roles> {
    return (await this.request<Roles>("GET", "/access/roles")).data;
  }

  // --- transport ----------------------------------------------------------------

  private passwordAuth(): PasswordAuth | null {
    return this.auth !== undefined && "password" in this.auth ? this.auth : null;
  }

  private async send(
    method: Method,
    path: string,
    params: Params,
    options: { authenticate: boolean; retryLogin: boolean; signal?: AbortSignal | undefined; quiet?: boolean },
  ): Promise<Reply<unknown>> {
    const describe = `${method} ${path}`;
    const { signal } = options;
    if (!options.authenticate) return readReply(await this.fetchWithRetries(method, path, params, {}, signal), describe);
    try {
      const headers: Record<string, string> = {};
      const session = await this.authenticateHeaders(headers, method, describe);
      const answer = await this.fetchWithRetries(method, path, params, headers, signal);
      if (answer.status === 401 && options.retryLogin && session !== null && this.passwordAuth() !== null) {
        // The ticket may have been revoked or the server's keys rotated: one fresh
        // login, then the call once more; a second 401 is the caller's answer.
        await this.login();
        const retryHeaders: Record<string, string> = {};
        await this.authenticateHeaders(retryHeaders, method, describe);
        return readReply(await this.fetchWithRetries(method, path, params, retryHeaders, signal), describe);
      }
      return readReply(answer, describe);
    } catch (error) {
      if (error instanceof GatehouseApiError && error.status === 401 && options.quiet !== true) this.hooks.onUnauthorized?.(error);
      throw error;
    }
  }

  /** Adds the credential to `headers`: the token header, or the session's cookie and CSRF token. */
  private async authenticateHeaders(headers: Record<string, string>, method: Method, describe = `${method}`): Promise<Session | null> {
    if (this.auth !== undefined && "tokenId" in this.auth) {
      // Token requests need no CSRF token: no browser sends this header on its own.
      headers.Authorization = `PBSAPIToken=${this.auth.tokenId}:${this.auth.secret}`;
      return null;
    }
    const session = await this.currentSession(describe);
    if (session.cookieHeader !== null) headers.Cookie = session.cookieHeader;
    if (method !== "GET") headers.CSRFPreventionToken = session.csrf;
    return session;
  }

  /** A session young enough to use: logs in, or renews one that is an hour old. */
  private async currentSession(describe: string): Promise<Session> {
    if (this.pendingLogin !== null) return this.pendingLogin;
    const session = this.session;
    const nowS = Math.floor(this.now() / 1000);
    if (session === null || nowS - session.ticketTime >= TICKET_LIFETIME_S) {
      const login = this.passwordAuth();
      if (login === null && session !== null && this.cookies === "browser") {
        // The browser's cookie is past its lifetime: the server would answer 401, so
        // say so without asking it, and let the page offer a new login.
        this.session = null;
        throw new GatehouseApiError(401, "the session has expired; log in again", {}, describe);
      }
      if (login === null) {
        throw new TypeError(
          session === null
            ? "GatehouseClient: not logged in (call login() or pass `auth`)"
            : "GatehouseClient: the session has expired; log in again",
        );
      }
      return this.singleLogin(() => this.postTicket(login.username, login.password));
    }
    if (nowS - session.ticketTime >= RENEW_AFTER_S) {
      return this.singleLogin(async () => {
        try {
          return await this.postRenewal(session);
        } catch (error) {
          // A refused renewal (revoked ticket, rotated keys) is worth one password login.
          const login = this.passwordAuth();
          if (!(error instanceof GatehouseApiError) || error.status !== 401 || login === null) throw error;
          return this.postTicket(login.username, login.password);
        }
      });
    }
    return session;
  }

  private singleLogin(run: () => Promise<Session>): Promise<Session> {
    this.pendingLogin ??= run()
      .then((session) => {
        this.session = session;
        return session;
      })
      .finally(() => {
        this.pendingLogin = null;
      });
    return this.pendingLogin;
  }

  private async postTicket(username: string, password: string, signal?: AbortSignal): Promise<Session> {
    const params: Params = { username, password };
    if (this.httpOnly) params["http-only"] = true;
    const answer = await this.fetchWithRetries("POST", "/access/ticket", params, {}, signal);
    const partialTicket = readPartialTicket(answer);
    if (partialTicket === null) return this.readLogin(answer);
    // A user with second factors: the answer is a partial ticket, in the body in both flows.
    const required = new SecondFactorRequiredError(username, partialTicket, readPartialChallenge(partialTicket));
    if (this.secondFactor === undefined) throw required;
    const response = await this.secondFactor(required.challenge, required.username);
    return this.postSecondFactor(required.username, required.partialTicket, response, signal);
  }

  private async postSecondFactor(username: string, partialTicket: string, response: string, signal?: AbortSignal): Promise<Session> {
    const params: Params = { username, password: response, "tfa-challenge": partialTicket };
    if (this.httpOnly) params["http-only"] = true;
    return this.readLogin(await this.fetchWithRetries("POST", "/access/ticket", params, {}, signal));
  }

  private async postRenewal(session: Session): Promise<Session> {
    if (session.ticket !== null) return this.postTicket(session.username, session.ticket);
    // The browser holds the ticket: the server renews from the cookie it sends.
    return this.readLogin(await this.fetchWithRetries("POST", "/access/ticket", { username: session.username, "http-only": true }, {}));
  }

  /** Reads either login answer: the ticket in the body, or only in the `__Host-` cookie. */
  private readLogin(answer: RawAnswer): Session {
    const reply = readReply(answer, "POST /access/ticket");
    const login = (reply.data ?? {}) as LoginAnswer;
    if (typeof login.username !== "string" || typeof login.CSRFPreventionToken !== "string") {
      throw new LoginFlowError("the login answer lacks the username or the CSRFPreventionToken");
    }
    const base = { username: login.username, csrf: login.CSRFPreventionToken };
    if (typeof login.ticket === "string") {
      const ticketTime = readTicketTime(login.ticket) ?? Math.floor(this.now() / 1000);
      if (this.cookies === "browser") {
        // A legacy answer in a browser: the browser cannot send it as a cookie without
        // script writing document.cookie, which the HttpOnly design forbids.
        throw new LoginFlowError("the server answered with the legacy flow; the browser client needs the HttpOnly flow");
      }
      return {
        ...base,
        ticketTime,
        carriedBy: "body",
        ticket: login.ticket,
        cookieHeader: `${LEGACY_TICKET_COOKIE}=${encodeURIComponent(login.ticket)}`,
      };
    }
    const infoTime = typeof login["ticket-info"] === "string" ? readTicketTime(login["ticket-info"]) : null;
    if (this.cookies === "browser") {
      if (infoTime === null) throw new LoginFlowError("the HttpOnly login answer lacks a readable ticket-info");
      // The ticket was issued just now. The local clock measures its age from here: a
      // desktop clock hours off the server's would otherwise make every fresh ticket
      // look expired (or never due for renewal).
      return { ...base, ticketTime: Math.floor(this.now() / 1000), carriedBy: "cookie", ticket: null, cookieHeader: null };
    }
    const cookieValue = findSetCookie(answer.headers, TICKET_COOKIE);
    if (cookieValue === null || cookieValue === "") {
      throw new LoginFlowError(`the server answered the login with neither a ticket in the body nor a ${TICKET_COOKIE} cookie`);
    }
    const ticket = safeDecode(cookieValue);
    const ticketTime = readTicketTime(ticket) ?? infoTime ?? Math.floor(this.now() / 1000);
    return { ...base, ticketTime, carriedBy: "cookie", ticket, cookieHeader: `${TICKET_COOKIE}=${cookieValue}` };
  }

  /** One call, repeated after 429 or 503 as `Retry-After` asks, within the configured bounds. */
  private async fetchWithRetries(
    method: Method,
    path: string,
    params: Params,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<RawAnswer> {
    const query = new URLSearchParams();
    const init: FetchInit = { method, headers: { Accept: "application/json", ...headers } };
    if (method === "GET" || method === "DELETE") {
      for (const [key, value] of encodeParams(params)) query.append(key, value);
    } else {
      init.body = JSON.stringify(params);
      init.headers["Content-Type"] = "application/json";
    }
    if (this.cookies === "browser") init.credentials = "same-origin";
    if (signal !== undefined) init.signal = signal;
    const search = query.toString();
    // An empty baseUrl stays a relative URL: the page's own origin, as a browser resolves it.
    const target = `${this.baseUrl}/api2/${this.format}${path}${search === "" ? "" : `?${search}`}`;
    for (let attempt = 0; ; attempt += 1) {
      signal?.throwIfAborted();
      let answer: RawAnswer;
      try {
        const response = await this.fetchImpl(target, init);
        const text = await response.text();
        answer = {
          format: this.format,
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
          text,
          body: parseJson(text),
        };
      } catch (error) {
        if (signal?.aborted === true) throw signal.reason;
        throw toConnectionError(target, error);
      }
      if (this.format === "extjs") answer.status = readExtjsStatus(answer);
      if ((answer.status !== 429 && answer.status !== 503) || attempt >= this.maxRetries) return answer;
      const asked = parseRetryAfter(answer.headers.get("retry-after"), this.now());
      const delayMs = asked ?? FALLBACK_RETRY_BASE_MS * 2 ** attempt;
      if (delayMs > this.maxRetryDelayMs) return answer;
      await this.sleep(delayMs);
    }
  }
}

/** One HTTP answer, read to the end; `status` is the outcome's (for ExtJS, the body's). */
interface RawAnswer {
  format: ApiFormat;
  status: number;
  statusText: string;
  headers: Headers;
  text: string;
  /** The parsed body; undefined when it is not JSON. */
  body: unknown;
}

function parseJson(text: string): unknown {
  if (text === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The real status of an ExtJS answer: HTTP 200 carries `success` and `status` in the
 * body. Anything that is not such a body (a proxy's page, Node refusing a malformed
 * request before the router) speaks through the HTTP status.
 */
function readExtjsStatus(answer: RawAnswer): number {
  if (answer.status !== 200 || typeof answer.body !== "object" || answer.body === null) return answer.status;
  const record = answer.body as Record<string, unknown>;
  if (record["success"] !== false) return answer.status;
  const status = record["status"];
  // A failure without a usable status is still a failure; 400 is the formatter's own default.
  return typeof status === "number" && Number.isInteger(status) && status >= 400 && status <= 599 ? status : 400;
}

function tokensPath(userid: string): string {
  return `/access/users/${encodeURIComponent(userid)}/token`;
}

function tokenPath(userid: string, tokenName: string): string {
  return `${tokensPath(userid)}/${encodeURIComponent(tokenName)}`;
}

/** Query-string pairs: booleans as 1/0 (what PBS's schema reads), arrays as repeated keys. */
export function encodeParams(params: Params): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? (value as unknown[]) : [value]) {
      pairs.push([key, typeof item === "boolean" ? (item ? "1" : "0") : String(item)]);
    }
  }
  return pairs;
}

function readReply(answer: RawAnswer, describe: string): Reply<unknown> {
  const body = answer.body as { data?: unknown; digest?: unknown; total?: unknown; message?: unknown; errors?: unknown } | null | undefined;
  if (answer.status >= 400) {
    if (typeof body === "object" && body !== null && typeof body.message === "string") {
      throw new GatehouseApiError(answer.status, body.message, readErrors(body.errors), describe);
    }
    // PBS's JSON formatter (and Gatehouse's /api2/json) sends an error as its bare message
    // text. On /api2/extjs every API error is JSON: other text is a proxy's page, not a message.
    const parsed = answer.format === "json" ? parseErrorText(answer.text) : { message: "", errors: {} };
    const message = parsed.message !== "" ? parsed.message : answer.statusText || `HTTP ${answer.status}`;
    throw new GatehouseApiError(answer.status, message, parsed.errors, describe);
  }
  if (body === undefined || typeof body !== "object" || body === null) {
    throw new GatehouseApiError(answer.status, "the answer is not JSON", {}, describe);
  }
  const reply: Reply<unknown> = { data: body.data ?? null };
  if (typeof body.digest === "string") reply.digest = body.digest;
  if (typeof body.total === "number") reply.total = body.total;
  return reply;
}

/**
 * An error body as PBS's JSON formatter writes it: the message, or for a parameter
 * error proxmox-schema's text, a headline and then `parameter '<name>': <why>` lines.
 */
function parseErrorText(text: string): { message: string; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  for (const match of text.matchAll(/^parameter '(.*)': (.*)$/gm)) {
    if (match[1] !== undefined && match[2] !== undefined) errors[match[1]] = match[2];
  }
  const firstLine = text.trim().split("\n")[0] ?? "";
  return { message: firstLine.trim(), errors };
}

function readErrors(errors: unknown): Record<string, string> {
  if (typeof errors !== "object" || errors === null) return {};
  return Object.fromEntries(Object.entries(errors).map(([key, value]) => [key, String(value)]));
}

/** The value of the first Set-Cookie for `name`, as sent (still percent-encoded); null if none can be read. */
function findSetCookie(headers: Headers, name: string): string | null {
  for (const line of headers.getSetCookie()) {
    const equals = line.indexOf("=");
    if (equals < 0 || line.slice(0, equals).trim() !== name) continue;
    const end = line.indexOf(";", equals);
    return line.slice(equals + 1, end < 0 ? undefined : end).trim();
  }
  return null;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** A refused pin surfaces as itself; anything else as a connection error with its cause. */
function toConnectionError(url: string, error: unknown): Error {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof TlsFingerprintMismatchError) return cause;
  }
  return new GatehouseConnectionError(url, { cause: error });
}

/** The partial ticket (`PBS:!tfa!...`) of a successful first step, or null for any other answer. */
function readPartialTicket(answer: RawAnswer): string | null {
  if (answer.status >= 400) return null;
  const data = (answer.body as { data?: { ticket?: unknown } } | null | undefined)?.data;
  const ticket = data?.ticket;
  return typeof ticket === "string" && ticket.startsWith(PARTIAL_TICKET_PREFIX) ? ticket : null;
}

/** The challenge inside a partial ticket `PBS:!tfa!<percent-encoded JSON>:<HEXTIME>::<signature>`, as PBS's GUI reads it. */
function readPartialChallenge(partialTicket: string): TfaChallenge {
  const signed = partialTicket.slice(0, partialTicket.lastIndexOf("::"));
  const data = signed.slice(PARTIAL_TICKET_PREFIX.length, signed.lastIndexOf(":"));
  try {
    const challenge: unknown = JSON.parse(decodeURIComponent(data));
    if (typeof challenge === "object" && challenge !== null) return challenge;
  } catch {
    // reported below
  }
  throw new LoginFlowError("the server's partial ticket carries no readable challenge");
}
