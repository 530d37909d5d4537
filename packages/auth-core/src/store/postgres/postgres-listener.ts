/**
 * The LISTEN side of the PostgreSQL backend: one dedicated session per store that
 * receives every generation bump, so that `readVersions` answers from memory
 * instead of querying on each request.
 *
 * The listener is trusted only while its session is known to be up. When the
 * session errors, ends or misses a heartbeat, the store queries the generation
 * row instead, and the listener reconnects with bounded, jittered exponential
 * backoff. Every (re)connect, and every heartbeat that finds a bump it was not
 * told about, moves the epoch that is part of each version string, so caches
 * filled before a period of possibly missed notifications are flushed.
 */
import pg from "pg";
import type { Client, ClientConfig, Notification } from "pg";
import type { Generations } from "./postgres-rows.js";
import { parseGenerationsRow } from "./postgres-rows.js";
import { GENERATIONS_CHANNEL } from "./postgres-sql.js";
import type { StoreVersions } from "../store.js";

export interface ReconnectBackoff {
  /** Ceiling of the first delay. */
  initialDelayMs: number;
  /** Ceiling of every later delay: the ceiling doubles per failed attempt up to this. */
  maxDelayMs: number;
}

export const DEFAULT_RECONNECT_BACKOFF: ReconnectBackoff = { initialDelayMs: 100, maxDelayMs: 10_000 };

/** What the listener reports for logs and metrics; never carries credentials. */
export type PostgresListenerEvent =
  | { type: "listener-up"; epoch: number; backendPid: number }
  | { type: "listener-down"; error: unknown }
  | { type: "listener-reconnect-scheduled"; attempt: number; delayMs: number }
  | { type: "listener-connect-failed"; attempt: number; error: unknown }
  | { type: "notifications-missed"; epoch: number };

export interface PostgresListenerOptions {
  /** A direct session: LISTEN does not work through a transaction-pooling proxy. */
  clientConfig: ClientConfig;
  schema: string;
  /** SQL that returns the `secrets` and `config` columns of the generations row. */
  readGenerationsSql: string;
  backoff?: ReconnectBackoff;
  /** How often the session is probed; a dead TCP peer sends no error, so silence alone proves nothing. */
  heartbeatIntervalMs?: number;
  /** A probe slower than this counts as a dropped session. */
  heartbeatTimeoutMs?: number;
  onEvent?: (event: PostgresListenerEvent) => void;
  random?: () => number;
}

export interface PostgresListenerState {
  /** True while the session is up and versions may be answered from memory. */
  connected: boolean;
  /** Moves on every (re)connect and every detected gap; part of every version string. */
  epoch: number;
  /** The listener session's server process, for `pg_terminate_backend` in tests and ops. */
  backendPid: number | null;
  /** Successful connects after the first. */
  reconnects: number;
}

const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;
/** Enough for a cache that catches up at least every few thousand mutations; older gaps drop everything. */
const SECRET_JOURNAL_MAX_GENERATIONS = 4096;
/**
 * How long a catch-up waits for a notification its version already announced (a
 * query or this node's own read can see a bump before the NOTIFY arrives, usually
 * within milliseconds). After that it gives up and drops every cached secret.
 */
const LATE_NOTIFICATION_WAIT_MS = 200;
const DEFAULT_HEARTBEAT_TIMEOUT_MS = 5_000;

/**
 * Delay before reconnect attempt `attempt` (0-based): "equal jitter", at least half
 * of the exponential ceiling so a flapping server is not hammered, the rest random
 * so that many nodes do not reconnect in lockstep.
 */
export function computeReconnectDelayMs(attempt: number, backoff: ReconnectBackoff, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 30);
  const ceiling = Math.min(backoff.maxDelayMs, backoff.initialDelayMs * 2 ** exponent);
  const unit = Math.min(Math.max(random(), 0), 1);
  return Math.round(ceiling / 2 + (unit * ceiling) / 2);
}

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

/** The version strings of one epoch and generation pair, frozen because the same object is shared. */
export function formatStoreVersions(epoch: number, generations: Generations): StoreVersions {
  return Object.freeze({
    secrets: `pg:${epoch}:${generations.secrets}`,
    config: `pg:${epoch}:${generations.config}`,
  });
}

export class PostgresGenerationListener {
  private readonly options: PostgresListenerOptions;
  private readonly backoff: ReconnectBackoff;
  private readonly random: () => number;
  private readonly subscribers = new Set<(versions: StoreVersions) => void>();

  private epoch = 0;
  private generations: Generations = { secrets: 0n, config: 0n };
  private versions: StoreVersions = formatStoreVersions(0, { secrets: 0n, config: 0n });

  /** The session being set up or in use; events from any other client are stale and ignored. */
  private client: Client | null = null;
  /** Set only once LISTEN and the initial read succeeded: the one condition for trusting memory. */
  private established: Client | null = null;
  private backendPid: number | null = null;
  private connecting: Promise<void> | null = null;
  private attempt = 0;
  private reconnects = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private heartbeatInFlight = false;
  /** Secrets generation -> the token ids its mutation changed (null: not named). The last few thousand only. */
  private readonly secretJournal = new Map<bigint, ReadonlySet<string> | null>();
  /** Config generation -> the rows its mutation changed (null: not named). The last few thousand only. */
  private readonly configJournal = new Map<bigint, ConfigChangeNames | null>();
  private readonly journalWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(options: PostgresListenerOptions) {
    const backoff = options.backoff ?? DEFAULT_RECONNECT_BACKOFF;
    if (!(backoff.initialDelayMs > 0) || !(backoff.maxDelayMs >= backoff.initialDelayMs)) {
      throw new RangeError("reconnect backoff needs 0 < initialDelayMs <= maxDelayMs");
    }
    this.options = options;
    this.backoff = backoff;
    this.random = options.random ?? Math.random;
  }

  /** Connects the first time; rejects when that fails, so a misconfigured node does not start. */
  async start(): Promise<void> {
    await this.connectOnce();
  }

  /** The versions from memory while the session is trusted, else null: the caller must query. */
  currentVersions(): StoreVersions | null {
    return this.established === null ? null : this.versions;
  }

  /**
   * Merges generations read from the database by any path (a mutation, a fallback
   * query). Counters only grow, so the larger value is always the newer one.
   * Returns the versions of `generations` at the current epoch.
   */
  observe(generations: Generations): StoreVersions {
    this.mergeGenerations(generations);
    return formatStoreVersions(this.epoch, generations);
  }

  subscribe(listener: (versions: StoreVersions) => void): () => void {
    // A wrapper per call, so that subscribing the same function twice needs two unsubscribes.
    const entry = (versions: StoreVersions): void => listener(versions);
    this.subscribers.add(entry);
    return () => {
      this.subscribers.delete(entry);
    };
  }

  readState(): PostgresListenerState {
    return {
      connected: this.established !== null,
      epoch: this.epoch,
      backendPid: this.backendPid,
      reconnects: this.reconnects,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.stopHeartbeat();
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = null;
    this.established = null;
    this.backendPid = null;
    this.subscribers.clear();
    await client?.end().catch(() => undefined);
  }

  private connectOnce(): Promise<void> {
    const connecting = this.connect().finally(() => {
      if (this.connecting === connecting) this.connecting = null;
    });
    this.connecting = connecting;
    return connecting;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.options.clientConfig);
    this.client = client;
    client.on("error", (error) => this.handleDrop(client, error));
    client.on("end", () => this.handleDrop(client, new Error("listener session ended")));
    client.on("notification", (message) => this.handleNotification(client, message));
    try {
      await client.connect();
      await client.query(`LISTEN ${GENERATIONS_CHANNEL}`);
      // Read after LISTEN: a bump committed before it is in this read, one after it is notified.
      const { rows } = await client.query<Record<string, unknown>>(
        `SELECT pg_backend_pid() AS pid, g.* FROM (${this.options.readGenerationsSql}) g`,
      );
      const row = rows[0];
      const generations = parseGenerationsRow(row, `${this.options.schema}.generations`);
      if (this.stopped || this.client !== client) throw new Error("listener stopped while connecting");
      this.mergeGenerations(generations);
      this.backendPid = typeof row?.pid === "number" ? row.pid : null;
    } catch (error) {
      if (this.client === client) this.client = null;
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.epoch > 0) this.reconnects += 1;
    this.attempt = 0;
    this.established = client;
    this.bumpEpoch();
    this.startHeartbeat(client);
    this.options.onEvent?.({ type: "listener-up", epoch: this.epoch, backendPid: this.backendPid ?? -1 });
  }

  private handleNotification(client: Client, message: Notification): void {
    if (client !== this.client || message.channel !== GENERATIONS_CHANNEL) return;
    const notification = parseChangeNotification(message.payload, this.options.schema);
    if (notification === null) return;
    // Recorded before the versions move, so whoever sees the new version finds its record.
    if (notification.secrets?.bumped === true) this.recordSecretChange(notification.generations.secrets, notification.secrets.tokens);
    if (notification.config?.bumped === true) this.recordConfigChange(notification.generations.config, notification.config.names);
    this.mergeGenerations(notification.generations);
  }

  /**
   * Notes which token hashes the mutation that moved the secrets generation to
   * `generation` changed (null: it did not say). Both a node's own mutation and its
   * notification record the same thing; the first one wins.
   */
  recordSecretChange(generation: bigint, tokens: readonly string[] | null): void {
    this.recordInJournal(this.secretJournal, generation, tokens === null ? null : new Set(tokens));
  }

  /** recordSecretChange for the config generation: which rows the mutation that moved it to `generation` changed. */
  recordConfigChange(generation: bigint, names: ConfigChangeNames | null): void {
    this.recordInJournal(this.configJournal, generation, names);
  }

  /** Keeps the first record of a generation, drops the oldest past the bound and wakes whoever waits on a journal. */
  private recordInJournal<V>(journal: Map<bigint, V>, generation: bigint, value: V): void {
    if (!journal.has(generation)) journal.set(generation, value);
    // Map order is insertion order: the first keys are the oldest generations.
    while (journal.size > SECRET_JOURNAL_MAX_GENERATIONS) {
      const oldest = journal.keys().next();
      if (oldest.done === true) break;
      journal.delete(oldest.value);
    }
    const waiters = this.journalWaiters.splice(0);
    for (const wake of waiters) wake();
  }

  /** The config generation this listener knows of (merged from notifications, queries and own mutations). */
  currentConfigGeneration(): bigint {
    return this.generations.config;
  }

  /**
   * The config rows changed in the generations after `from` up to `to`, merged,
   * or null when that cannot be told: a generation without a record after
   * LATE_NOTIFICATION_WAIT_MS (a lost notification, or one still on its way), or
   * one whose rows were not named. The caller then reads the whole config.
   */
  async readConfigChangesBetween(from: bigint, to: bigint): Promise<ConfigChangeNames | null> {
    const deadline = Date.now() + LATE_NOTIFICATION_WAIT_MS;
    for (;;) {
      const users = new Set<string>();
      const tokens = new Set<string>();
      let acl = false;
      let missing = false;
      for (let generation = from + 1n; generation <= to; generation += 1n) {
        const names = this.configJournal.get(generation);
        if (names === null) return null;
        if (names === undefined) {
          missing = true;
          break;
        }
        for (const id of names.users) users.add(id);
        for (const id of names.tokens) tokens.add(id);
        acl ||= names.acl;
      }
      if (!missing) return { users: [...users], tokens: [...tokens], acl };
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remainingMs);
        this.journalWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /**
   * The token ids changed between the secrets version `since` and the current one,
   * from the journal, or null when that cannot be told: another epoch (a reconnect
   * or a detected gap), a change whose ids did not fit its notification, or a
   * generation whose notification has not arrived within LATE_NOTIFICATION_WAIT_MS
   * (the version may come from a query that raced ahead of it).
   */
  async readSecretChangesSince(since: string): Promise<{ version: string; changed: ReadonlySet<string> } | null> {
    const deadline = Date.now() + LATE_NOTIFICATION_WAIT_MS;
    for (;;) {
      const match = /^pg:(\d+):(\d+)$/.exec(since);
      if (match === null || Number(match[1]) !== this.epoch || this.established === null) return null;
      const from = BigInt(match[2] ?? "0");
      const to = this.generations.secrets;
      const changed = new Set<string>();
      let missing = false;
      for (let generation = from + 1n; generation <= to; generation += 1n) {
        const tokens = this.secretJournal.get(generation);
        if (tokens === null) return null;
        if (tokens === undefined) {
          missing = true;
          break;
        }
        for (const id of tokens) changed.add(id);
      }
      if (!missing) return { version: formatStoreVersions(this.epoch, this.generations).secrets, changed };
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remainingMs);
        this.journalWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private handleDrop(client: Client, error: unknown): void {
    if (client !== this.established) return;
    // From here on readVersions queries the database until a new session is up.
    this.established = null;
    this.client = null;
    this.backendPid = null;
    this.stopHeartbeat();
    void client.end().catch(() => undefined);
    this.options.onEvent?.({ type: "listener-down", error });
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer !== null) return;
    const attempt = this.attempt;
    this.attempt += 1;
    const delayMs = computeReconnectDelayMs(attempt, this.backoff, this.random);
    this.options.onEvent?.({ type: "listener-reconnect-scheduled", attempt, delayMs });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.stopped) return;
      this.connectOnce().catch((error: unknown) => {
        if (this.stopped) return;
        this.options.onEvent?.({ type: "listener-connect-failed", attempt, error });
        this.scheduleReconnect();
      });
    }, delayMs);
    this.reconnectTimer.unref();
  }

  private startHeartbeat(client: Client): void {
    this.stopHeartbeat();
    const intervalMs = this.options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.heartbeatTimer = setInterval(() => void this.beat(client), intervalMs);
    this.heartbeatTimer.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private async beat(client: Client): Promise<void> {
    if (this.heartbeatInFlight || client !== this.established) return;
    this.heartbeatInFlight = true;
    const timeoutMs = this.options.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`listener heartbeat got no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      const { rows } = await Promise.race([client.query(this.options.readGenerationsSql), timeout]);
      if (client !== this.established) return;
      const generations = parseGenerationsRow(rows[0], `${this.options.schema}.generations`);
      if (generations.secrets > this.generations.secrets || generations.config > this.generations.config) {
        // A bump we were not told about: whatever was cached meanwhile cannot be trusted.
        this.generations = maxGenerations(this.generations, generations);
        this.bumpEpoch();
        this.options.onEvent?.({ type: "notifications-missed", epoch: this.epoch });
      }
    } catch (error) {
      this.handleDrop(client, error);
    } finally {
      clearTimeout(timer);
      this.heartbeatInFlight = false;
    }
  }

  private mergeGenerations(generations: Generations): void {
    const merged = maxGenerations(this.generations, generations);
    if (merged.secrets === this.generations.secrets && merged.config === this.generations.config) return;
    this.generations = merged;
    this.publish();
  }

  private bumpEpoch(): void {
    this.epoch += 1;
    this.publish();
  }

  private publish(): void {
    this.versions = formatStoreVersions(this.epoch, this.generations);
    for (const subscriber of this.subscribers) {
      try {
        subscriber(this.versions);
      } catch {
        // A failing subscriber must not stop the others or the listener itself.
      }
    }
  }
}

function maxGenerations(a: Generations, b: Generations): Generations {
  return {
    secrets: a.secrets > b.secrets ? a.secrets : b.secrets,
    config: a.config > b.config ? a.config : b.config,
  };
}
