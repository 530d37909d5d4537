/**
 * A second server for the console at scale (issue 10): its own data dir, seeded
 * through the store with 100,000 users of one token each in one mutation (not
 * 100,000 HTTP calls), started from the built server on its own port. Every seeded
 * token shares one secret hash: the console's listings are what is tested here, not
 * argon2.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { hashSecret, openFileStore } from "@gatehouse/auth-core";
import { ADMIN_PASSWORD, ADMIN_USERID, E2E_ROOT, REPO_ROOT } from "./env.js";

const READY_PATTERN = /listening on https:\/\//;
const START_DEADLINE_MS = 120_000;
const SEEDED_SECRET = "00000000-0000-4000-8000-000000000000";

export interface ScaleServer {
  stop(): Promise<void>;
}

/** The seeded users' ids: runner-000000@pbs to runner-099999@pbs, each with the token `ci`. */
export function runnerId(index: number): string {
  return `runner-${String(index).padStart(6, "0")}@pbs`;
}

async function seedDataDir(dataDir: string, users: number): Promise<void> {
  const store = await openFileStore({ dataDir });
  const [adminHash, tokenHash] = await Promise.all([hashSecret(ADMIN_PASSWORD), hashSecret(SEEDED_SECRET)]);
  await store.mutate((state) => {
    state.config.users[ADMIN_USERID] = { userid: ADMIN_USERID, enable: true, expire: 0 };
    state.passwordHashes[ADMIN_USERID] = adminHash;
    state.config.acl.push({ path: "/", ugid: ADMIN_USERID, roleid: "Admin", propagate: true });
    for (let i = 0; i < users; i++) {
      const userid = runnerId(i);
      state.config.users[userid] = { userid, enable: true, expire: 0, comment: `CI runner ${i}` };
      const tokenid = `${userid}!ci`;
      state.config.tokens[tokenid] = { tokenid, enable: true, expire: 0, comment: `pipeline of runner ${i}` };
      state.tokenHashes[tokenid] = tokenHash;
    }
  });
  await store.close();
}

/** Seeds `users` users and starts the built server on `port`; resolves once it listens. */
export async function startScaleServer(port: number, users: number): Promise<ScaleServer> {
  mkdirSync(join(E2E_ROOT, ".data"), { recursive: true });
  const dataDir = mkdtempSync(join(E2E_ROOT, ".data", "scale-"));
  await seedDataDir(dataDir, users);
  const child = spawn(process.execPath, [join(REPO_ROOT, "apps/bff/dist/main.js")], {
    cwd: REPO_ROOT,
    env: { ...process.env, GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_PORT: String(port), GATEHOUSE_HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  await waitUntilListening(child);
  return {
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function waitUntilListening(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(
      () => fail(new Error(`the scale server did not listen within ${START_DEADLINE_MS} ms:\n${output}`)),
      START_DEADLINE_MS,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (READY_PATTERN.test(output)) finish();
    };
    const onExit = (code: number | null) => fail(new Error(`the scale server exited with ${String(code)} before listening:\n${output}`));
    function cleanUp() {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.stderr?.off("data", onData);
      child.off("exit", onExit);
      // Keep draining, so a chatty server never blocks on a full pipe.
      child.stdout?.resume();
      child.stderr?.resume();
    }
    function finish() {
      cleanUp();
      resolve();
    }
    function fail(error: Error) {
      cleanUp();
      child.kill("SIGKILL");
      reject(error);
    }
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
  });
}
