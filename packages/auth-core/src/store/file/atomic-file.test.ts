import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  ABSENT_STAMP,
  isAtomicTempFileName,
  parseStoredJson,
  readFileSnapshot,
  readFileStamp,
  removeAtomicTempFiles,
  writeFileAtomic,
} from "./atomic-file.js";
import { StoreCorruptError } from "../../core/errors.js";
import { isMessageOfType, spawnTsChild } from "../../test-support/child-process.js";
import type { TsChild } from "../../test-support/child-process.js";

const STORE_CHILD = fileURLToPath(new URL("../../test-support/store-child.ts", import.meta.url));

let dir: string;
const children: TsChild[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gatehouse-atomic-"));
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill();
    await child.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("writeFileAtomic", () => {
  it("writes the content with exactly the requested mode", async () => {
    const secret = join(dir, "secret");
    const open = join(dir, "public");
    await writeFileAtomic(secret, "s3cret", { mode: 0o600 });
    await writeFileAtomic(open, Buffer.from("pub"), { mode: 0o644 });
    expect(readFileSync(secret, "utf8")).toBe("s3cret");
    expect(statSync(secret).mode & 0o777).toBe(0o600);
    expect(readFileSync(open, "utf8")).toBe("pub");
    expect(statSync(open).mode & 0o777).toBe(0o644);
  });

  it("replaces an existing file with a new inode and leaves no temp file", async () => {
    const target = join(dir, "user.json");
    writeFileSync(target, "old");
    const oldInode = statSync(target).ino;
    await writeFileAtomic(target, "new", { mode: 0o600 });
    expect(readFileSync(target, "utf8")).toBe("new");
    expect(statSync(target).ino).not.toBe(oldInode);
    expect(readdirSync(dir)).toEqual(["user.json"]);
  });

  it("removes its temp file when the rename fails and leaves the target alone", async () => {
    const target = join(dir, "occupied");
    mkdirSync(target);
    writeFileSync(join(target, "inside"), "keep");
    await expect(writeFileAtomic(target, "data", { mode: 0o600 })).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(["occupied"]);
    expect(readFileSync(join(target, "inside"), "utf8")).toBe("keep");
  });

  it("a writer killed at any moment leaves the whole old or the whole new file", async () => {
    const target = join(dir, "big.json");
    const bytes = 2 * 1024 * 1024;
    // Bounded by count and deadline. A kill counts as mid-write when the writer's temp
    // file was still there: it landed between the temp file's creation and the rename,
    // the moment the atomic write exists for. The test needs a few of those, as the
    // bff's crash-safety suite needs kills in the middle of a mutation.
    const wantedMidWriteKills = 3;
    const maxKills = 15;
    const deadline = performance.now() + 80_000;
    let kills = 0;
    let midWriteKills = 0;
    while (midWriteKills < wantedMidWriteKills && kills < maxKills && performance.now() < deadline) {
      const child = spawnTsChild(STORE_CHILD, ["write-loop", target, "1000", String(bytes)]);
      children.push(child);
      await child.nextMessage(isMessageOfType("ready"));
      await sleep([5, 20, 45][kills % 3] ?? 5);
      child.kill("SIGKILL");
      const exit = await child.exited;
      kills += 1;
      const parsed = JSON.parse(readFileSync(target, "utf8")) as { variant: number; fill: string };
      expect([0, 1]).toContain(parsed.variant);
      expect(parsed.fill).toBe((parsed.variant === 0 ? "a" : "b").repeat(bytes));
      const leftBehind = await removeAtomicTempFiles(dir);
      // The temp name carries the writer's pid: one with the child's pid was open when it died.
      if (exit.signal === "SIGKILL" && leftBehind.some((name) => name.includes(`.${child.pid}.`))) midWriteKills += 1;
    }
    expect(midWriteKills, `${midWriteKills} of ${kills} kills landed inside a write`).toBeGreaterThanOrEqual(wantedMidWriteKills);
    expect(readdirSync(dir)).toEqual(["big.json"]);
  }, 120_000);
});

describe("removeAtomicTempFiles", () => {
  it("removes only the temp files writeFileAtomic creates", async () => {
    writeFileSync(join(dir, ".user.json.1234.0123456789ab.tmp"), "{");
    writeFileSync(join(dir, "user.json"), "{}");
    writeFileSync(join(dir, "notes.tmp"), "mine");
    expect(await removeAtomicTempFiles(dir)).toEqual([".user.json.1234.0123456789ab.tmp"]);
    expect(readdirSync(dir).sort()).toEqual(["notes.tmp", "user.json"]);
  });

  it("recognises the temp names by their pattern", () => {
    expect(isAtomicTempFileName(".token.shadow.42.deadbeef0123.tmp")).toBe(true);
    expect(isAtomicTempFileName("token.shadow")).toBe(false);
    expect(isAtomicTempFileName(".token.shadow.tmp")).toBe(false);
  });
});

describe("file stamps and snapshots", () => {
  it("a missing file has the absent stamp and no snapshot", async () => {
    expect(readFileStamp(join(dir, "none"))).toBe(ABSENT_STAMP);
    expect(await readFileSnapshot(join(dir, "none"))).toBeNull();
  });

  it("the stamp moves on an in-place edit, on a replacement and on deletion", async () => {
    const path = join(dir, "token.shadow");
    writeFileSync(path, "{}");
    const first = readFileStamp(path);
    expect(readFileStamp(path)).toBe(first);
    writeFileSync(path, '{"a":"b"}');
    const edited = readFileStamp(path);
    expect(edited).not.toBe(first);
    await writeFileAtomic(path, '{"a":"b"}', { mode: 0o600 });
    const replaced = readFileStamp(path);
    expect(replaced).not.toBe(edited);
    rmSync(path);
    expect(readFileStamp(path)).toBe(ABSENT_STAMP);
  });

  it("a snapshot carries the bytes and the stamp of those bytes", async () => {
    const path = join(dir, "acl.json");
    writeFileSync(path, "[]");
    const snapshot = await readFileSnapshot(path);
    expect(snapshot?.bytes.toString("utf8")).toBe("[]");
    expect(snapshot?.stamp).toBe(readFileStamp(path));
  });
});

describe("parseStoredJson", () => {
  const schema = z.record(z.string(), z.string());

  it("returns the parsed value of a well-formed file", () => {
    expect(parseStoredJson(Buffer.from('{"a@pbs!t":"h"}'), "token.shadow", schema)).toEqual({ "a@pbs!t": "h" });
  });

  it("reports broken JSON as StoreCorruptError without quoting the content", () => {
    const content = Buffer.from('{"alice@pbs!ci": "$argon2id$secret-looking');
    let caught: unknown;
    try {
      parseStoredJson(content, "/data/token.shadow", schema);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StoreCorruptError);
    expect((caught as StoreCorruptError).location).toBe("/data/token.shadow");
    expect((caught as Error).message).not.toContain("argon2id");
    expect((caught as Error).cause).toBeUndefined();
  });

  it("reports a wrong shape as StoreCorruptError naming where", () => {
    expect(() => parseStoredJson(Buffer.from('{"a": 5}'), "token.shadow", schema)).toThrow(StoreCorruptError);
    expect(() => parseStoredJson(Buffer.from('{"a": 5}'), "token.shadow", schema)).toThrow(/at a/);
    expect(() => parseStoredJson(Buffer.from(""), "token.shadow", schema)).toThrow(StoreCorruptError);
  });
});
