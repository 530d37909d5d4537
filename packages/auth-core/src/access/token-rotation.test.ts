/**
 * Issue 14, rotation with overlap (decision 031), I1 as restated in
 * docs/design.md: after `regenerate=1&grace=g` answered at t, the new secret works
 * everywhere at once and the old one is accepted by requests that start before
 * t + g and refused from t + g on, in every process (file: two handles on one data
 * dir) and every node (PostgreSQL: two stores on one schema), with no write at the
 * deadline. The clock is a fake one shared by all handles, so the deadline is
 * exact here; between real hosts it holds within their clock skew.
 */
import { afterEach, describe, expect, it } from "vitest";
import { AccessControl } from "./access-control.js";
import { SYSTEM_ACTOR } from "./types.js";
import { ManualClock } from "../core/clock.js";
import { InvalidParameterError } from "../core/errors.js";
import type { AccessStore } from "../store/store.js";
import { createSharedBackend } from "../test-support/backends.js";
import type { BackendKind, SharedBackend } from "../test-support/backends.js";
import { FakeHasher } from "../test-support/fake-hasher.js";
import { describeWithPostgres, probePostgres } from "../test-support/postgres-test-database.js";
import { ROTATION_GRACE_MAX_S, splitStoredTokenHash } from "./token-rotation.js";

const postgres = await probePostgres();
const OWNER = "runner@pbs";
const TOKEN = `${OWNER}!deploy`;

const backends: SharedBackend[] = [];
afterEach(async () => {
  await Promise.allSettled(backends.splice(0).map((backend) => backend.dispose()));
});

interface Worker {
  accessControl: AccessControl;
  store: AccessStore;
}

async function openWorkers(kind: BackendKind, clock: ManualClock): Promise<[Worker, Worker]> {
  const backend = await createSharedBackend(kind);
  backends.push(backend);
  const open = async (): Promise<Worker> => {
    const store = await backend.openHandle();
    return { store, accessControl: await AccessControl.open({ store, clock, hasher: new FakeHasher() }) };
  };
  return [await open(), await open()];
}

async function accepts(worker: Worker, secret: string): Promise<boolean> {
  return (await worker.accessControl.authenticateToken(TOKEN, secret)) !== null;
}

/**
 * Across PostgreSQL nodes I1 holds within the notification latency (docs/design.md):
 * wait, bounded, until `other` has seen what `writer` wrote. Instant on one host.
 */
async function waitUntilSeen(writer: Worker, other: Worker): Promise<void> {
  const target = await readVersions(writer);
  const deadline = Date.now() + 5_000;
  for (let attempt = 0; attempt < 500 && Date.now() < deadline; attempt += 1) {
    if ((await readVersions(other)) === target) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("the other node did not see the change within 5 s");
}

/** Counts mutations by the store's versions: a write at the deadline would move them. */
async function readVersions(worker: Worker): Promise<string> {
  const versions = await worker.store.readVersions();
  return `${versions.secrets}|${versions.config}`;
}

function describeRotation(kind: BackendKind): void {
  it("accepts the old secret in every process until the deadline and refuses it from then on, without a write", async () => {
    const clock = new ManualClock(Date.UTC(2026, 6, 1));
    const [a, b] = await openWorkers(kind, clock);
    await a.accessControl.createUser(SYSTEM_ACTOR, { userid: OWNER });
    const { value: oldSecret } = await a.accessControl.createToken(SYSTEM_ACTOR, OWNER, "deploy", {});
    // Both workers have the old secret cached before the rotation.
    expect(await accepts(a, oldSecret)).toBe(true);
    expect(await accepts(b, oldSecret)).toBe(true);

    const rotated = await b.accessControl.updateToken(SYSTEM_ACTOR, OWNER, "deploy", { regenerate: true, grace: 600 });
    await waitUntilSeen(b, a);
    const newSecret = rotated?.secret ?? "";
    for (const worker of [a, b]) {
      expect(await accepts(worker, newSecret)).toBe(true);
      expect(await accepts(worker, oldSecret)).toBe(true);
    }
    clock.advanceSeconds(599);
    for (const worker of [a, b]) expect(await accepts(worker, oldSecret), "one second before the deadline").toBe(true);
    const versionsBeforeDeadline = await readVersions(a);

    clock.advanceSeconds(1);
    for (const worker of [a, b]) {
      expect(await accepts(worker, oldSecret), "at the deadline").toBe(false);
      expect(await accepts(worker, newSecret)).toBe(true);
    }
    clock.advanceSeconds(3600);
    for (const worker of [a, b]) expect(await accepts(worker, oldSecret)).toBe(false);
    expect(await readVersions(a), "nothing was written at the deadline").toBe(versionsBeforeDeadline);
  });

  it("grace=0 keeps PBS's rotation: the old secret is refused everywhere at once (I1)", async () => {
    const clock = new ManualClock(Date.UTC(2026, 6, 1));
    const [a, b] = await openWorkers(kind, clock);
    await a.accessControl.createUser(SYSTEM_ACTOR, { userid: OWNER });
    const { value: oldSecret } = await a.accessControl.createToken(SYSTEM_ACTOR, OWNER, "deploy", {});
    expect(await accepts(b, oldSecret)).toBe(true);
    const rotated = await a.accessControl.updateToken(SYSTEM_ACTOR, OWNER, "deploy", { regenerate: true, grace: 0 });
    await waitUntilSeen(a, b);
    for (const worker of [a, b]) {
      expect(await accepts(worker, oldSecret)).toBe(false);
      expect(await accepts(worker, rotated?.secret ?? "")).toBe(true);
    }
    // The stored hash is the new secret's alone.
    const stored = await a.store.readTokenHash(TOKEN);
    expect(splitStoredTokenHash(stored ?? "").previous).toBeUndefined();
  });

  it("a second rotation, a disable or a delete during the overlap revokes the old secret at once", async () => {
    const clock = new ManualClock(Date.UTC(2026, 6, 1));
    const [a, b] = await openWorkers(kind, clock);
    await a.accessControl.createUser(SYSTEM_ACTOR, { userid: OWNER });
    const { value: first } = await a.accessControl.createToken(SYSTEM_ACTOR, OWNER, "deploy", {});
    const second = (await a.accessControl.updateToken(SYSTEM_ACTOR, OWNER, "deploy", { regenerate: true, grace: 600 }))?.secret ?? "";
    await waitUntilSeen(a, b);
    expect(await accepts(b, first)).toBe(true);
    const third = (await a.accessControl.updateToken(SYSTEM_ACTOR, OWNER, "deploy", { regenerate: true, grace: 600 }))?.secret ?? "";
    await waitUntilSeen(a, b);
    expect(await accepts(b, first), "the secret two rotations back").toBe(false);
    expect(await accepts(b, second)).toBe(true);
    expect(await accepts(b, third)).toBe(true);

    await a.accessControl.updateToken(SYSTEM_ACTOR, OWNER, "deploy", { enable: false });
    await waitUntilSeen(a, b);
    expect(await accepts(b, second)).toBe(false);
    await a.accessControl.updateToken(SYSTEM_ACTOR, OWNER, "deploy", { enable: true });
    await waitUntilSeen(a, b);
    expect(await accepts(b, second)).toBe(true);
    await a.accessControl.deleteToken(SYSTEM_ACTOR, OWNER, "deploy");
    await waitUntilSeen(a, b);
    expect(await accepts(b, second)).toBe(false);
    expect(await accepts(b, third)).toBe(false);
  });
}

describe("rotation with overlap: memory backend (two handles)", () => describeRotation("memory"));
describe("rotation with overlap: file backend (two processes on one data dir)", () => describeRotation("file"));
describeWithPostgres(postgres, "rotation with overlap: PostgreSQL (two nodes on one schema)", () => describeRotation("postgres"));

describe("rotation grace parameter", () => {
  it("is whole seconds up to a week, and only with regenerate", async () => {
    const clock = new ManualClock(Date.UTC(2026, 6, 1));
    const [a] = await openWorkers("memory", clock);
    await a.accessControl.createUser(SYSTEM_ACTOR, { userid: OWNER });
    await a.accessControl.createToken(SYSTEM_ACTOR, OWNER, "deploy", {});
    for (const input of [
      { grace: 60 },
      { regenerate: true, grace: -1 },
      { regenerate: true, grace: 1.5 },
      { regenerate: true, grace: ROTATION_GRACE_MAX_S + 1 },
    ]) {
      await expect(a.accessControl.updateToken(SYSTEM_ACTOR, OWNER, "deploy", input)).rejects.toBeInstanceOf(InvalidParameterError);
    }
    expect(
      await a.accessControl.updateToken(SYSTEM_ACTOR, OWNER, "deploy", { regenerate: true, grace: ROTATION_GRACE_MAX_S }),
    ).not.toBeNull();
  });
});
