/**
 * I6 of docs/design.md: a change costs only what it touches. Two processes on one
 * file data dir, and two nodes on one PostgreSQL schema, each keep their cached
 * secrets through unrelated creates, updates, deletes and ACL changes: not one
 * argon2 verification anywhere. Under drop-everything invalidation (every change of
 * the secrets version clears the cache, as the seed did) the zero-count assertions
 * fail: each cached token is verified again after the create and the delete.
 * Decision 012 describes the design.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AccessControl } from "./access-control.js";
import { SYSTEM_ACTOR } from "./types.js";
import { openFileStore } from "../store/file/file-store.js";
import type { SecretHasher } from "../crypto/password-hash.js";
import { openPostgresStore } from "../store/postgres/postgres-store.js";
import type { AccessStore } from "../store/store.js";
import { FakeHasher } from "../test-support/fake-hasher.js";
import {
  createTestSchemaName,
  describeWithPostgres,
  dropTestSchema,
  probePostgres,
  TEST_DATABASE_URL,
} from "../test-support/postgres-test-database.js";

const postgres = await probePostgres();
const WAIT_FOR_NOTIFICATION_MS = 5_000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Node {
  ac: AccessControl;
  store: AccessStore;
  hasher: SecretHasher & { verifies: number };
}

/** A verify that waits until the test releases it, to hold a verification open across a change. */
class HoldableHasher extends FakeHasher {
  private hold: { started: () => void; release: Promise<void> } | null = null;

  override async verify(hash: string, plain: string): Promise<boolean> {
    const hold = this.hold;
    this.hold = null;
    if (hold !== null) {
      hold.started();
      await hold.release;
    }
    return super.verify(hash, plain);
  }

  holdNextVerify(): { started: Promise<void>; release: () => void } {
    let release!: () => void;
    let started!: () => void;
    const startedPromise = new Promise<void>((resolve) => (started = resolve));
    this.hold = { started, release: new Promise<void>((resolve) => (release = resolve)) };
    return { started: startedPromise, release };
  }
}

async function openNode(store: AccessStore): Promise<Node & { hasher: HoldableHasher }> {
  const hasher = new HoldableHasher();
  const ac = await AccessControl.open({ store, hasher });
  cleanups.push(() => ac.close());
  return { ac, store, hasher };
}

async function openFilePair(): Promise<[Node & { hasher: HoldableHasher }, Node & { hasher: HoldableHasher }]> {
  const dataDir = await mkdtemp(join(tmpdir(), "gatehouse-i6-"));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  // Two stores on one data dir: each with its own caches, as two worker processes have.
  return [await openNode(await openFileStore({ dataDir })), await openNode(await openFileStore({ dataDir }))];
}

async function openPostgresPair(): Promise<[Node & { hasher: HoldableHasher }, Node & { hasher: HoldableHasher }]> {
  const schema = createTestSchemaName();
  cleanups.push(() => dropTestSchema(schema));
  const open = () => openPostgresStore({ connectionString: TEST_DATABASE_URL, schema, poolSize: 3 });
  const first = await openNode(await open());
  return [first, await openNode(await open())];
}

/** Until `node` has seen every change `other` made (PostgreSQL: its notification arrived; files: at once). */
async function waitUntilCaughtUp(node: Node, other: Node): Promise<void> {
  const target = await other.store.readVersions();
  const generationOf = (version: string) => version.slice(version.lastIndexOf(":") + 1);
  const deadline = Date.now() + WAIT_FOR_NOTIFICATION_MS;
  for (;;) {
    const seen = await node.store.readVersions();
    if (node.store.kind === "file" || generationOf(seen.secrets) === generationOf(target.secrets)) {
      if (node.store.kind === "file" || generationOf(seen.config) === generationOf(target.config)) return;
    }
    if (Date.now() > deadline) throw new Error("the other node never saw the change");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const TOKENS = ["alice@pbs!t1", "alice@pbs!t2", "bob@pbs!t3"] as const;

async function seed(admin: AccessControl): Promise<Map<string, string>> {
  await admin.createUser(SYSTEM_ACTOR, { userid: "alice@pbs" });
  await admin.createUser(SYSTEM_ACTOR, { userid: "bob@pbs" });
  const secrets = new Map<string, string>();
  for (const tokenid of TOKENS) {
    const [userid, name] = tokenid.split("!") as [string, string];
    secrets.set(tokenid, (await admin.createToken(SYSTEM_ACTOR, userid, name, {})).value);
  }
  return secrets;
}

async function expectAllAccepted(nodes: readonly Node[], secrets: Map<string, string>): Promise<void> {
  for (const node of nodes) {
    for (const [tokenid, secret] of secrets) expect(await node.ac.authenticateToken(tokenid, secret), `${tokenid}`).not.toBeNull();
  }
}

function totalVerifies(nodes: readonly Node[]): number {
  return nodes.reduce((sum, node) => sum + node.hasher.verifies, 0);
}

function describeI6(name: string, openPair: typeof openFilePair): void {
  describe(`I6: a change costs only what it touches (${name})`, () => {
    it("keeps every cached secret through an unrelated create, update, delete and ACL change: zero argon2 runs in either process", async () => {
      const nodes = await openPair();
      const [a, b] = nodes;
      const secrets = await seed(a.ac);
      await waitUntilCaughtUp(b, a);
      // Warm both caches: one verification per token and process.
      await expectAllAccepted(nodes, secrets);
      expect(totalVerifies(nodes)).toBe(2 * TOKENS.length);
      await expectAllAccepted(nodes, secrets);
      const warm = totalVerifies(nodes);
      expect(warm).toBe(2 * TOKENS.length);

      const unrelatedChanges: [string, Node, () => Promise<unknown>][] = [
        ["token create", a, () => a.ac.createToken(SYSTEM_ACTOR, "bob@pbs", "new", { comment: "fresh" })],
        ["token update of a token in use", b, () => b.ac.updateToken(SYSTEM_ACTOR, "bob@pbs", "t3", { comment: "renamed" })],
        ["user create", a, () => a.ac.createUser(SYSTEM_ACTOR, { userid: "carol@pbs" })],
        ["user update", b, () => b.ac.updateUser(SYSTEM_ACTOR, "alice@pbs", { email: "alice@example.com" })],
        ["ACL change", a, () => a.ac.updateAcl(SYSTEM_ACTOR, { path: "/", role: "Audit", authId: "alice@pbs!t1" })],
        ["token delete", b, () => b.ac.deleteToken(SYSTEM_ACTOR, "bob@pbs", "new")],
        ["user delete", a, () => a.ac.deleteUser(SYSTEM_ACTOR, "carol@pbs")],
      ];
      for (const [what, actor, change] of unrelatedChanges) {
        await change();
        for (const node of nodes) if (node !== actor) await waitUntilCaughtUp(node, actor);
        await expectAllAccepted(nodes, secrets);
        expect(totalVerifies(nodes), `argon2 runs caused by the ${what}`).toBe(warm);
      }

      // Not vacuous: the one token that did change costs what it touches, and no more.
      const rotated = await a.ac.updateToken(SYSTEM_ACTOR, "alice@pbs", "t2", { regenerate: true });
      await waitUntilCaughtUp(b, a);
      const old = secrets.get("alice@pbs!t2") ?? "";
      expect(await b.ac.authenticateToken("alice@pbs!t2", old)).toBeNull();
      expect(await a.ac.authenticateToken("alice@pbs!t2", old)).toBeNull();
      secrets.set("alice@pbs!t2", rotated?.secret ?? "");
      const beforeUse = totalVerifies(nodes);
      await expectAllAccepted(nodes, secrets);
      // The rotating process cached the secret it issued; the other verifies it once. t1 and t3 cost nothing.
      expect(totalVerifies(nodes) - beforeUse).toBe(1);
    });

    it("caches a verification that straddled a change of another token, and not one that straddled its own (I2 per entry)", async () => {
      const nodes = await openPair();
      const [a, b] = nodes;
      const secrets = await seed(b.ac);
      await waitUntilCaughtUp(a, b);

      const unrelated = a.hasher.holdNextVerify();
      const straddling = a.ac.authenticateToken("alice@pbs!t1", secrets.get("alice@pbs!t1") ?? "");
      await unrelated.started;
      await b.ac.updateToken(SYSTEM_ACTOR, "bob@pbs", "t3", { regenerate: true });
      await waitUntilCaughtUp(a, b);
      unrelated.release();
      expect(await straddling).not.toBeNull();
      const afterUnrelated = a.hasher.verifies;
      expect(await a.ac.authenticateToken("alice@pbs!t1", secrets.get("alice@pbs!t1") ?? "")).not.toBeNull();
      expect(a.hasher.verifies).toBe(afterUnrelated);

      const own = a.hasher.holdNextVerify();
      const old = secrets.get("alice@pbs!t2") ?? "";
      const straddlingOwn = a.ac.authenticateToken("alice@pbs!t2", old);
      await own.started;
      await b.ac.updateToken(SYSTEM_ACTOR, "alice@pbs", "t2", { regenerate: true });
      await waitUntilCaughtUp(a, b);
      own.release();
      await straddlingOwn;
      const afterOwn = a.hasher.verifies;
      expect(await a.ac.authenticateToken("alice@pbs!t2", old)).toBeNull();
      expect(a.hasher.verifies).toBe(afterOwn + 1);
    });
  });
}

describeI6("file backend, two processes", openFilePair);
describeWithPostgres(postgres, "I6 on PostgreSQL", () => {
  describeI6("PostgreSQL, two nodes", openPostgresPair);
});
