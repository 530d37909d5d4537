/**
 * Server entry point. The primary validates the configuration and prepares the
 * data dir (store, keys, the initial admin, the TLS certificate) exactly once;
 * then it serves by itself (1 worker) or forks GATEHOUSE_WORKERS cluster workers
 * that share the port, each with its own AccessControl on the same data dir. One
 * readiness line is printed when every worker listens.
 *
 * Lifecycle (docs/decisions/019-graceful-lifecycle.md):
 * - SIGTERM or SIGINT: every serving process stops accepting, lets requests in
 *   flight finish within GATEHOUSE_SHUTDOWN_TIMEOUT_S, closes its store (which
 *   flushes what auth-core buffers) and exits 0; each step is logged.
 * - SIGHUP to the primary of a cluster: a rolling restart. Workers are replaced
 *   one at a time: a new one is forked and must be serving before the old one is
 *   told to stop, so the port never lacks a worker and no connection is refused.
 */
import cluster, { type Worker } from "node:cluster";
import { AccessControl, InvalidParameterError, StoreCorruptError } from "@gatehouse/auth-core";
import { createApp } from "./app.js";
import { formatBaseUrl, loadConfig, type ServerConfig } from "./config.js";
import { StartupError } from "./errors.js";
import { joinClusterMetrics, serveClusterMetrics } from "./cluster-metrics.js";
import { EventLoopDelayMonitor } from "./event-loop-delay.js";
import { createLogger, type Logger } from "./logger.js";
import { ServerMetrics } from "./metrics.js";
import { openConfiguredStore } from "./open-store.js";
import { startHttpsServer, type RunningServer } from "./server.js";
import { lowerThreadpoolPriority } from "./threadpool-priority.js";
import { loadOrCreateTlsCredentials } from "./tls.js";

interface ListeningMessage {
  type: "gatehouse:listening";
  port: number;
}

// A worker that keeps dying right after start would otherwise be re-forked forever.
const MAX_RESTARTS_PER_MINUTE = 5;
// Opening the store and the TLS material; a replacement slower than this is broken.
const WORKER_START_TIMEOUT_MS = 60_000;
// Beyond a worker's own shutdown deadline, before the primary kills it.
const STOP_MARGIN_MS = 2_000;
const MS_PER_S = 1000;

function print(line: string): void {
  process.stdout.write(`gatehouse: ${line}\n`);
}

function printError(line: string): void {
  process.stderr.write(`gatehouse: ${line}\n`);
}

async function openAccessControl(config: ServerConfig, logger?: Logger): Promise<AccessControl> {
  const store = await openConfiguredStore(config);
  return AccessControl.open({
    store,
    tokenCacheTtlS: config.tokenCacheTtlS,
    disableTokenCache: config.tokenCacheTtlS === 0,
    // Each worker counts failures on its own; dividing the limits keeps the host's total to them (decision 010).
    processesSharingLimits: config.workers,
    maxTokensPerUser: config.maxTokensPerUser,
    maxTokens: config.maxTokens,
    webauthn: config.webauthn,
    // An audit record of a login or a refusal that could not be written is logged; the request still succeeds.
    ...(logger === undefined ? {} : { onAuditError: (error: unknown) => logger.error({ err: error }, "audit or last-use write failed") }),
  });
}

/** Runs once, before any worker: everything that must be created exactly once. */
async function prepareDataDir(config: ServerConfig): Promise<void> {
  const accessControl = await openAccessControl(config);
  try {
    let admin: Awaited<ReturnType<AccessControl["ensureInitialAdmin"]>>;
    try {
      admin = await accessControl.ensureInitialAdmin(config.adminPassword);
    } catch (error) {
      if (error instanceof InvalidParameterError) throw new StartupError(`GATEHOUSE_ADMIN_PASSWORD ${error.message}`);
      throw error;
    }
    if (admin?.generated === true) {
      print(`created ${admin.userid} with the Admin role on /. Its generated password, shown only this once:`);
      process.stdout.write(`\n    ${admin.password}\n\n`);
    } else if (admin !== null) {
      print(`created ${admin.userid} with the Admin role on /, password from GATEHOUSE_ADMIN_PASSWORD`);
    }
  } finally {
    await accessControl.close();
  }
  const tls = await loadOrCreateTlsCredentials({ dataDir: config.dataDir, supplied: config.tls });
  print(`TLS certificate: ${tls.origin}, ${tls.certPath}`);
}

/** One serving process: its own AccessControl, metrics, app and HTTPS listener. */
async function serve(config: ServerConfig, logger: Logger): Promise<{ server: RunningServer; accessControl: AccessControl }> {
  // Argon2 runs on the threadpool: at a lower priority it cannot take the CPU the event loop needs.
  const priority = await lowerThreadpoolPriority();
  if (priority.lowered) logger.info({ threads: priority.threadIds.length, nice: priority.nice }, "threadpool priority lowered");
  else logger.warn({ reason: priority.reason }, "threadpool priority left as it is: argon2 may compete with requests for CPU");
  const accessControl = await openAccessControl(config, logger);
  try {
    const tls = await loadOrCreateTlsCredentials({ dataDir: config.dataDir, supplied: config.tls });
    const metrics = new ServerMetrics({
      readAuth: () => accessControl.snapshotMetrics(),
      eventLoop: new EventLoopDelayMonitor(),
      worker: String(process.pid),
    });
    const app = createApp({
      accessControl,
      logger,
      ...(config.webDir === undefined ? {} : { webDistDir: config.webDir }),
      ...(config.exposeWorkerId ? { workerId: String(process.pid) } : {}),
      routeSettings: { legacyTickets: config.legacyTickets },
      metrics,
      scrapeMetrics: cluster.isWorker ? joinClusterMetrics(metrics.registry) : () => metrics.renderLocal(),
    });
    const server = await startHttpsServer({ app, tls, host: config.host, port: config.port }).catch((error: unknown) => {
      throw describeListenError(error, config);
    });
    return { server, accessControl };
  } catch (error) {
    await accessControl.close();
    throw error;
  }
}

function describeListenError(error: unknown, config: ServerConfig): unknown {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") {
    return new StartupError(`cannot listen on ${config.host}:${config.port} (${code}); choose another GATEHOUSE_PORT or GATEHOUSE_HOST`);
  }
  return error;
}

/**
 * Every SIGTERM or SIGINT reaches `handler` (which acts on the first): a repeated
 * signal must not kill a process that is finishing its requests. The deadline
 * bounds the wait; SIGKILL remains for the impatient.
 */
function onShutdownSignal(handler: (signal: string) => void): void {
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => handler(signal));
}

/**
 * Stops this serving process once, whichever trigger comes first: stop accepting,
 * let requests in flight finish within the deadline, close the store, exit.
 */
function createGracefulStop(
  server: RunningServer,
  accessControl: AccessControl,
  config: ServerConfig,
  logger: Logger,
): (reason: string) => void {
  let stopping = false;
  const graceMs = config.shutdownTimeoutS * MS_PER_S;
  return (reason) => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      logger.info(
        { reason, deadlineS: config.shutdownTimeoutS },
        "shutdown: no longer accepting connections; finishing requests in flight",
      );
      const closing = server.close(graceMs);
      await confirmNoMoreConnections();
      const { dropped } = await closing;
      if (dropped > 0) logger.warn({ dropped }, "shutdown: deadline passed; dropped the connections still open");
      else logger.info("shutdown: every request in flight has finished");
      logger.info("shutdown: flushing buffered writes and closing the store");
      await accessControl.close();
      logger.info("shutdown: done");
    })().then(
      () => exitAfterLogging(logger, 0),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown: failed");
        exitAfterLogging(logger, 1);
      },
    );
  };
}

// Beyond this a log destination that does not drain (a full pipe) no longer holds up the exit.
const LOG_FLUSH_TIMEOUT_MS = 1_000;

/**
 * Exits once the logged lines are written. pino writes asynchronously and, on
 * process.exit, writes its buffer synchronously while an earlier asynchronous
 * write may still be in flight, which can put the last lines out of order.
 */
function exitAfterLogging(logger: Logger, code: number): void {
  const exit = () => process.exit(code);
  setTimeout(exit, LOG_FLUSH_TIMEOUT_MS).unref();
  logger.flush(exit);
}

const STOPPED_ACCEPTING = "gatehouse:stopped-accepting";
const STOPPED_ACCEPTING_ACK = "gatehouse:stopped-accepting-ack";
const STOPPED_ACCEPTING_TIMEOUT_MS = 2_000;

function isTypedMessage(message: unknown, type: string): boolean {
  return typeof message === "object" && message !== null && (message as { type?: unknown }).type === type;
}

/**
 * In a cluster worker that has closed its server: resolves once the primary has
 * taken it out of the round-robin. The primary hands a connection to a worker and
 * keeps it until the worker answers; a worker that exits with such a hand-off still
 * in the IPC channel never answers, and that client hangs. Closing the server tells
 * the primary first, and the channel is ordered both ways, so when the primary's
 * answer to this later message arrives, every hand-off it sent before has been
 * received and handed back, and no new one will come.
 */
function confirmNoMoreConnections(): Promise<void> {
  if (!cluster.isWorker || !process.connected) return Promise.resolve();
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      process.off("message", onMessage);
      resolve();
    };
    const onMessage = (message: unknown) => {
      if (isTypedMessage(message, STOPPED_ACCEPTING_ACK)) finish();
    };
    const timer = setTimeout(finish, STOPPED_ACCEPTING_TIMEOUT_MS);
    process.on("message", onMessage);
    process.send?.({ type: STOPPED_ACCEPTING });
  });
}

async function runSingleProcess(config: ServerConfig, logger: Logger): Promise<void> {
  const { server, accessControl } = await serve(config, logger);
  const stop = createGracefulStop(server, accessControl, config, logger);
  onShutdownSignal(stop);
  // Without a handler SIGHUP would kill the process; there is no second worker to hand over to.
  process.on("SIGHUP", () => {
    logger.warn("SIGHUP: a rolling restart needs GATEHOUSE_WORKERS of 2 or more; this server runs as one process, so restart it instead");
  });
  print(`listening on ${formatBaseUrl(config.host, server.port)} (1 worker)`);
}

async function runWorker(config: ServerConfig, logger: Logger): Promise<void> {
  // The primary's SIGHUP is the primary's business; a stray one must not kill a worker.
  process.on("SIGHUP", () => undefined);
  const { server, accessControl } = await serve(config, logger);
  const stop = createGracefulStop(server, accessControl, config, logger);
  onShutdownSignal(stop);
  // The primary is gone: nobody would restart or stop this worker any more.
  process.once("disconnect", () => stop("disconnected from the primary"));
  const message: ListeningMessage = { type: "gatehouse:listening", port: server.port };
  process.send?.(message);
}

function isListeningMessage(message: unknown): message is ListeningMessage {
  return (
    typeof message === "object" &&
    message !== null &&
    (message as { type?: unknown }).type === "gatehouse:listening" &&
    typeof (message as { port?: unknown }).port === "number"
  );
}

type WorkerState = "starting" | "serving" | "retiring";

function runPrimary(config: ServerConfig, logger: Logger): void {
  // Round-robin in the primary (Linux's default, set here for every platform): a
  // connection handed to a worker that is closing is handed to another one, so a
  // rolling restart refuses none.
  cluster.schedulingPolicy = cluster.SCHED_RR;
  const states = new Map<number, WorkerState>();
  const restarts: number[] = [];
  let ready = false;
  let shuttingDown = false;
  let restarting = false;
  let shutdownExitCode = 0;
  const stopDeadlineMs = config.shutdownTimeoutS * MS_PER_S + STOP_MARGIN_MS;

  const liveWorkers = (): Worker[] => Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
  const metricsServer = serveClusterMetrics(() => liveWorkers().filter((worker) => states.get(worker.id) === "serving"));

  const fork = (): Worker => {
    const worker = cluster.fork();
    states.set(worker.id, "starting");
    worker.on("message", (message: unknown) => {
      metricsServer.onWorkerMessage(worker, message);
      if (isTypedMessage(message, STOPPED_ACCEPTING) && worker.isConnected()) worker.send({ type: STOPPED_ACCEPTING_ACK });
      if (!isListeningMessage(message)) return;
      if (states.get(worker.id) === "starting") states.set(worker.id, "serving");
      const serving = [...states.values()].filter((state) => state === "serving").length;
      if (!ready && serving === config.workers) {
        ready = true;
        print(`listening on ${formatBaseUrl(config.host, message.port)} (${config.workers} workers)`);
      }
    });
    return worker;
  };

  /** Resolves true once `worker` serves, false if it exits or takes too long first. */
  const waitUntilServing = (worker: Worker): Promise<boolean> =>
    new Promise((resolve) => {
      const finish = (serving: boolean) => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.off("exit", onExit);
        resolve(serving);
      };
      const onMessage = (message: unknown) => {
        if (isListeningMessage(message)) finish(true);
      };
      const onExit = () => finish(false);
      const timer = setTimeout(() => finish(false), WORKER_START_TIMEOUT_MS);
      worker.on("message", onMessage);
      worker.once("exit", onExit);
    });

  /** Asks `worker` to stop gracefully; kills it if it outlives its deadline. Resolves when it has exited. */
  const retire = (worker: Worker): Promise<void> =>
    new Promise((resolve) => {
      states.set(worker.id, "retiring");
      if (worker.isDead()) {
        resolve();
        return;
      }
      const killer = setTimeout(() => {
        logger.warn({ pid: worker.process.pid }, "worker outlived its shutdown deadline; killing it");
        worker.process.kill("SIGKILL");
      }, stopDeadlineMs);
      worker.once("exit", () => {
        clearTimeout(killer);
        resolve();
      });
      worker.process.kill("SIGTERM");
    });

  const rollingRestart = async () => {
    if (shuttingDown) return;
    if (restarting) {
      logger.warn("SIGHUP: a rolling restart is already running; ignored");
      return;
    }
    restarting = true;
    const previous = liveWorkers().filter((worker) => states.get(worker.id) === "serving");
    logger.info({ workers: previous.length }, "rolling restart: replacing the workers one at a time");
    let replaced = 0;
    for (const old of previous) {
      if (shuttingDown) break;
      if (old.isDead()) continue;
      const replacement = fork();
      logger.info({ pid: replacement.process.pid, replacing: old.process.pid }, "rolling restart: started a replacement worker");
      if (!(await waitUntilServing(replacement))) {
        logger.error(
          { pid: replacement.process.pid },
          "rolling restart: the replacement did not start; stopped here, the remaining workers keep serving",
        );
        await retire(replacement);
        break;
      }
      logger.info({ pid: old.process.pid }, "rolling restart: replacement serving; stopping the old worker");
      await retire(old);
      replaced += 1;
    }
    restarting = false;
    if (!shuttingDown) print(`rolling restart done: ${replaced} of ${previous.length} workers replaced`);
  };

  cluster.on("exit", (worker, code, signal) => {
    const state = states.get(worker.id);
    states.delete(worker.id);
    metricsServer.onWorkerExit(worker);
    if (shuttingDown) {
      logger.info({ pid: worker.process.pid, code, signal }, "shutdown: worker stopped");
      if (liveWorkers().length === 0) {
        logger.info("shutdown: every worker has stopped; done");
        exitAfterLogging(logger, shutdownExitCode);
      }
      return;
    }
    if (state === "retiring") {
      logger.info({ pid: worker.process.pid, code, signal }, "worker stopped");
      return;
    }
    if (!ready) {
      printError(`a worker failed to start (exit code ${code ?? "none"}, signal ${signal ?? "none"}); stopping`);
      shutdown(1);
      return;
    }
    const now = Date.now();
    restarts.push(now);
    while (restarts.length > 0 && (restarts[0] ?? now) < now - 60_000) restarts.shift();
    if (restarts.length > MAX_RESTARTS_PER_MINUTE) {
      printError(`workers keep exiting (${restarts.length} in a minute); stopping`);
      shutdown(1);
      return;
    }
    logger.warn({ pid: worker.process.pid, code, signal }, "worker exited; starting a replacement");
    fork();
  });

  const shutdown = (exitCode: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    shutdownExitCode = exitCode;
    const workers = liveWorkers();
    logger.info({ workers: workers.length }, "shutdown: asking every worker to stop");
    if (workers.length === 0) process.exit(exitCode);
    for (const worker of workers) {
      states.set(worker.id, "retiring");
      worker.process.kill("SIGTERM");
    }
    const force = setTimeout(() => {
      logger.warn("shutdown: workers outlived their deadline; killing them");
      for (const worker of liveWorkers()) worker.process.kill("SIGKILL");
      exitAfterLogging(logger, exitCode);
    }, stopDeadlineMs);
    force.unref();
  };
  onShutdownSignal((signal) => {
    if (shuttingDown) return;
    logger.info({ signal }, "shutdown: signal received");
    shutdown(0);
  });
  process.on("SIGHUP", () => {
    logger.info("SIGHUP received");
    void rollingRestart();
  });

  for (let i = 0; i < config.workers; i += 1) fork();
}

async function main(): Promise<void> {
  const loaded = loadConfig(process.env, process.cwd());
  if (!loaded.ok) {
    printError(loaded.error);
    process.exit(1);
  }
  const { config, warnings } = loaded.value;
  // Read once; gone from the environment before any worker or child is forked, so it
  // never shows in their /proc/<pid>/environ (issue 15, finding 10). Only the
  // primary needs it, to create the first admin.
  delete process.env.GATEHOUSE_ADMIN_PASSWORD;
  const logger = createLogger({ level: config.logLevel });
  if (cluster.isPrimary) {
    for (const warning of warnings) printError(warning);
    await prepareDataDir(config);
    if (config.workers === 1) await runSingleProcess(config, logger);
    else runPrimary(config, logger);
  } else {
    await runWorker(config, logger);
  }
}

main().catch((error: unknown) => {
  if (error instanceof StartupError || error instanceof StoreCorruptError) {
    printError(error.message);
  } else {
    printError(`startup failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
  process.exit(1);
});
