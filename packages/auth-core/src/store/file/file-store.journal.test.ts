/**
 * Decision 036: a change made through one file store is applied by another process's
 * store from the change journal, record by record, without reading and parsing whole
 * files; a hand edit (I3) or a journal that cannot account for a change still makes
 * it read the files. Two stores on one data dir play two workers; the parse counts
 * come from `partLoads`, never from timing.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openFileStore, STORE_FILES } from "./file-store.js";
import type { FileAccessStore } from "./file-store.js";
import { serializePart } from "./file-format.js";

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe("FileAccessStore change journal (decision 036)", () => {
  let dataDir: string;
  let writer: FileAccessStore;
  let reader: FileAccessStore;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "gatehouse-journal-"));
    writer = await openFileStore({ dataDir });
    reader = await openFileStore({ dataDir });
    await writer.mutate((state) => {
      for (let i = 0; i < 20; i += 1) {
        state.config.users[`user${i}@pbs`] = { userid: `user${i}@pbs`, enable: true, expire: 0 };
        state.config.tokens[`user${i}@pbs!ci`] = { tokenid: `user${i}@pbs!ci`, enable: true, expire: 0 };
        state.tokenHashes[`user${i}@pbs!ci`] = `hash-${i}`;
      }
      state.passwordHashes["user0@pbs"] = "password-hash";
      state.config.acl.push({ path: "/", ugid: "user0@pbs", roleid: "Audit", propagate: true });
    });
    // The reader's first look at every part is a full read, as at start-up.
    await reader.readConfig();
    await reader.readTokenHash("user0@pbs!ci");
    await reader.readPasswordHash("user0@pbs");
  });

  afterEach(async () => {
    await writer.close();
    await reader.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function createToken(name: string, hash: string): Promise<unknown> {
    return writer.mutate((state) => {
      state.config.tokens[`user1@pbs!${name}`] = { tokenid: `user1@pbs!${name}`, enable: true, expire: 0 };
      state.tokenHashes[`user1@pbs!${name}`] = hash;
    });
  }

  it("another store applies a token create, an update, a delete and an ACL change without parsing a file", async () => {
    const fullBefore = reader.partLoads.full;
    const secretsBefore = reader.readVersions().secrets;
    await createToken("new", "new-hash");
    await writer.mutate((state) => {
      const user = state.config.users["user2@pbs"];
      if (user) user.enable = false;
      delete state.config.tokens["user3@pbs!ci"];
      delete state.tokenHashes["user3@pbs!ci"];
      state.passwordHashes["user4@pbs"] = "second-password";
      state.config.acl.push({ path: "/system", ugid: "user5@pbs", roleid: "Admin", propagate: false });
    });

    const { config } = await reader.readConfig();
    expect(config.tokens["user1@pbs!new"]).toMatchObject({ enable: true });
    expect(config.users["user2@pbs"]?.enable).toBe(false);
    expect(config.tokens["user3@pbs!ci"]).toBeUndefined();
    expect(config.acl).toHaveLength(2);
    expect(Object.isFrozen(config.tokens)).toBe(true);
    expect(await reader.readTokenHash("user1@pbs!new")).toBe("new-hash");
    expect(await reader.readTokenHash("user3@pbs!ci")).toBeUndefined();
    expect(await reader.readPasswordHash("user4@pbs")).toBe("second-password");
    const changes = await reader.readSecretChanges(secretsBefore);
    expect(changes.changed).toEqual(new Set(["user1@pbs!new", "user3@pbs!ci"]));

    expect(reader.partLoads.full).toBe(fullBefore);
    expect(reader.partLoads.journal).toBeGreaterThan(0);
    // What the reader holds is exactly what is on disk.
    expect(serializePart({ users: config.users, tokens: config.tokens })).toBe(readFileSync(join(dataDir, STORE_FILES.users), "utf8"));
  });

  it("two stores writing in turn keep user.json exactly the rendering of the config", async () => {
    for (let round = 0; round < 4; round += 1) {
      const store = round % 2 === 0 ? writer : reader;
      await store.mutate((state) => {
        state.config.tokens[`user${round}@pbs!turn`] = { tokenid: `user${round}@pbs!turn`, enable: true, expire: 0 };
        delete state.config.tokens[`user${round + 10}@pbs!ci`];
        const user = state.config.users[`user${round + 1}@pbs`];
        if (user) user.comment = `round ${round}`;
      });
    }
    for (const store of [writer, reader]) {
      const { config } = await store.readConfig();
      expect(serializePart({ users: config.users, tokens: config.tokens })).toBe(readFileSync(join(dataDir, STORE_FILES.users), "utf8"));
    }
  });

  it("the writing store keeps what it wrote and parses nothing afterwards", async () => {
    await writer.readConfig();
    await writer.readTokenHash("user0@pbs!ci");
    const fullBefore = writer.partLoads.full;
    await createToken("own", "own-hash");
    await createToken("own2", "own-hash-2");
    expect((await writer.readConfig()).config.tokens["user1@pbs!own2"]).toBeDefined();
    expect(await writer.readTokenHash("user1@pbs!own")).toBe("own-hash");
    expect(writer.partLoads.full).toBe(fullBefore);
  });

  it("a hand edit of user.json between two journaled changes is read whole (I3)", async () => {
    await createToken("before-edit", "h1");
    await reader.readConfig();
    const fullBefore = reader.partLoads.full;
    const path = join(dataDir, STORE_FILES.users);
    const edited = JSON.parse(readFileSync(path, "utf8")) as { users: Record<string, { comment?: string }> };
    const user0 = edited.users["user0@pbs"];
    if (user0) user0.comment = "edited by hand";
    writeFileSync(path, JSON.stringify(edited));
    await nextTurn();
    expect((await reader.readConfig()).config.users["user0@pbs"]?.comment).toBe("edited by hand");
    expect(reader.partLoads.full).toBe(fullBefore + 1);

    // The writer, too, builds on the hand edit rather than on what it held.
    await createToken("after-edit", "h2");
    const { config } = await reader.readConfig();
    expect(config.users["user0@pbs"]?.comment).toBe("edited by hand");
    expect(config.tokens["user1@pbs!after-edit"]).toBeDefined();
  });

  it("a torn last journal line falls back to a full read with the right content", async () => {
    await createToken("torn", "torn-hash");
    const journal = join(dataDir, STORE_FILES.journal);
    const text = readFileSync(journal, "utf8");
    truncateSync(journal, text.length - 40);
    const fullBefore = reader.partLoads.full;
    expect((await reader.readConfig()).config.tokens["user1@pbs!torn"]).toBeDefined();
    expect(await reader.readTokenHash("user1@pbs!torn")).toBe("torn-hash");
    expect(reader.partLoads.full).toBeGreaterThan(fullBefore);

    // A writer appending after the torn line loses only that line; later changes chain again.
    await createToken("next", "next-hash");
    await reader.readConfig();
    const fullAfterRecovery = reader.partLoads.full;
    await createToken("chained", "chained-hash");
    expect((await reader.readConfig()).config.tokens["user1@pbs!chained"]).toBeDefined();
    expect(reader.partLoads.full).toBe(fullAfterRecovery);
  });

  it("a missing or garbled journal falls back to a full read with the right content", async () => {
    await createToken("lost", "lost-hash");
    rmSync(join(dataDir, STORE_FILES.journal));
    expect(await reader.readTokenHash("user1@pbs!lost")).toBe("lost-hash");
    const afterMissing = reader.partLoads.full;
    expect(afterMissing).toBeGreaterThan(0);

    appendFileSync(join(dataDir, STORE_FILES.journal), '{"v":1,"before":"nonsense"}\nnot json at all\n');
    await createToken("after-garbage", "garbage-hash");
    expect(await reader.readTokenHash("user1@pbs!after-garbage")).toBe("garbage-hash");
    expect((await reader.readConfig()).config.tokens["user1@pbs!after-garbage"]).toBeDefined();
  });

  it("a hand edit of token.shadow right after a journaled change wins over the journal (I3)", async () => {
    await createToken("real", "real-hash");
    writeFileSync(join(dataDir, STORE_FILES.tokenShadow), `${JSON.stringify({ "user1@pbs!real": "hand-hash" })}\n`);
    await nextTurn();
    const fullBefore = reader.partLoads.full;
    expect(await reader.readTokenHash("user1@pbs!real")).toBe("hand-hash");
    expect(await reader.readTokenHash("user0@pbs!ci")).toBeUndefined();
    expect(reader.partLoads.full).toBe(fullBefore + 1);
  });
});
