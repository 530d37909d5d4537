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
import { NOT_YET_RECORDED, PostgresChangeJournal } from "./postgres-change-journal.js";
import type { ConfigChangeNames } from "./postgres-notification.js";
import { parseChangeNotification } from "./postgres-notification.js";
import type { Generations } from "./postgres-rows.js";
import { parseGenerationsRow } from "./postgres-rows.js";
import { GENERATIONS_CHANNEL } from "./postgres-sql.js";
import type { StoreVersions } from "../store.js";

export type { ChangeNotification, ConfigChangeNames } from "./postgres-notification.js";
export { parseChangeNotification, parseGenerationNotification } from "./postgres-notification.js";

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
  private readonly journal = new PostgresChangeJournal();
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
   * `generation` changed (null: it did not say); see PostgresChangeJournal.
   */
  recordSecretChange(generation: bigint, tokens: readonly string[] | null): void {
    this.journal.recordSecretChange(generation, tokens);
  }

  /** recordSecretChange for the config generation: which rows the mutation that moved it to `generation` changed. */
  recordConfigChange(generation: bigint, names: ConfigChangeNames | null): void {
    this.journal.recordConfigChange(generation, names);
  }

  /** The config generation this listener knows of (merged from notifications, queries and own mutations). */
  currentConfigGeneration(): bigint {
    return this.generations.config;
  }

  /** The config rows changed after generation `from` up to `to`, or null: see PostgresChangeJournal.readConfigChangesBetween. */
  async readConfigChangesBetween(from: bigint, to: bigint): Promise<ConfigChangeNames | null> {
    return await this.journal.readConfigChangesBetween(from, to);
  }

  /**
   * The token ids changed between the secrets version `since` and the current one,
   * from the journal, or null when that cannot be told: another epoch (a reconnect
   * or a detected gap), a change whose ids did not fit its notification, or a
   * generation whose notification has not arrived within LATE_NOTIFICATION_WAIT_MS
   * (the version may come from a query that raced ahead of it).
   */
  async readSecretChangesSince(since: string): Promise<{ version: string; changed: ReadonlySet<string> } | null> {
    return await this.journal.untilRecorded(() => {
      const match = /^pg:(\d+):(\d+)$/.exec(since);
      if (match === null || Number(match[1]) !== this.epoch || this.established === null) return null;
      const from = BigInt(match[2] ?? "0");
      const changed = this.journal.secretChangesBetween(from, this.generations.secrets);
      if (changed === null || changed === NOT_YET_RECORDED) return changed;
      return { version: formatStoreVersions(this.epoch, this.generations).secrets, changed };
    });
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
