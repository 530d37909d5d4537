/**
 * Server entry point. The primary validates the configuration and prepares the
 * data dir (store, keys, the initial admin, the TLS certificate) exactly once;
 * then it serves by itself (1 worker) or forks GATEHOUSE_WORKERS cluster workers
 * that share the port, each with its own AccessControl on the same data dir. One
 * readiness line is printed when every worker listens.
 */
import cluster, { type Worker } from "node:cluster";
import { AccessControl, InvalidParameterError, StoreCorruptError } from "@gatehouse/auth-core";
import { createApp } from "./app.js";
import { formatBaseUrl, loadConfig, type ServerConfig } from "./config.js";
import { StartupError } from "./errors.js";
import { EventLoopDelayMonitor } from "./event-loop-delay.js";
import { createLogger, type Logger } from "./logger.js";
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
const SHUTDOWN_GRACE_MS = 10_000;

function print(line: string): void {
  process.stdout.write(`gatehouse: ${line}\n`);
}

function printError(line: string): void {
  process.stderr.write(`gatehouse: ${line}\n`);
}

async function openAccessControl(config: ServerConfig): Promise<AccessControl> {
  const store = await openConfiguredStore(config);
  return AccessControl.open({
    store,
    tokenCacheTtlS: config.tokenCacheTtlS,
    disableTokenCache: config.tokenCacheTtlS === 0,
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

/** One serving process: its own AccessControl, app and HTTPS listener. */
async function serve(config: ServerConfig, logger: Logger): Promise<{ server: RunningServer; accessControl: AccessControl }> {
  // Argon2 runs on the threadpool: at a lower priority it cannot take the CPU the event loop needs.
  const priority = await lowerThreadpoolPriority();
  if (priority.lowered) logger.info({ threads: priority.threadIds.length, nice: priority.nice }, "threadpool priority lowered");
  else logger.warn({ reason: priority.reason }, "threadpool priority left as it is: argon2 may compete with requests for CPU");
  const accessControl = await openAccessControl(config);
  try {
    const tls = await loadOrCreateTlsCredentials({ dataDir: config.dataDir, supplied: config.tls });
    const app = createApp({
      accessControl,
      logger,
      ...(config.webDir === undefined ? {} : { webDistDir: config.webDir }),
      ...(config.exposeWorkerId ? { workerId: String(process.pid) } : {}),
      eventLoopDelay: new EventLoopDelayMonitor(),
      routeSettings: { legacyTickets: config.legacyTickets },
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
    return new StartupError(
      `cannot listen on ${config.host}:${config.port} (${code}); choose another GATEHOUSE_PORT or GATEHOUSE_HOST`,
    );
  }
  return error;
}

function onShutdownSignal(handler: () => void): void {
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, handler);
}

/** Stops serving on SIGTERM/SIGINT, once whichever comes first; returns the stop function. */
function stopGracefullyOnSignal(server: RunningServer, accessControl: AccessControl, logger: Logger): () => void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down");
    void server
      .close(SHUTDOWN_GRACE_MS)
      .then(() => accessControl.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  onShutdownSignal(stop);
  return stop;
}

async function runSingleProcess(config: ServerConfig, logger: Logger): Promise<void> {
  const { server, accessControl } = await serve(config, logger);
  stopGracefullyOnSignal(server, accessControl, logger);
  print(`listening on ${formatBaseUrl(config.host, server.port)} (1 worker)`);
}

async function runWorker(config: ServerConfig, logger: Logger): Promise<void> {
  const { server, accessControl } = await serve(config, logger);
  const stop = stopGracefullyOnSignal(server, accessControl, logger);
  // The primary is gone: nobody would restart or stop this worker any more.
  process.once("disconnect", stop);
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

function runPrimary(config: ServerConfig, logger: Logger): void {
  const listening = new Set<number>();
  const restarts: number[] = [];
  let ready = false;
  let shuttingDown = false;
  let shutdownExitCode = 0;

  const fork = (): Worker => {
    const worker = cluster.fork();
    worker.on("message", (message: unknown) => {
      if (!isListeningMessage(message)) return;
      listening.add(worker.id);
      if (!ready && listening.size === config.workers) {
        ready = true;
        print(`listening on ${formatBaseUrl(config.host, message.port)} (${config.workers} workers)`);
      }
    });
    return worker;
  };

  cluster.on("exit", (worker, code, signal) => {
    listening.delete(worker.id);
    if (shuttingDown) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(shutdownExitCode);
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
    const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
    if (workers.length === 0) process.exit(exitCode);
    for (const worker of workers) worker.process.kill("SIGTERM");
    const force = setTimeout(() => {
      for (const worker of workers) worker.process.kill("SIGKILL");
      process.exit(exitCode);
    }, SHUTDOWN_GRACE_MS + 2_000);
    force.unref();
  };
  onShutdownSignal(() => {
    logger.info("shutting down");
    shutdown(0);
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
