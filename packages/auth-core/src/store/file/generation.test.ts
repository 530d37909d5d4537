import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StoreCorruptError } from "../../core/errors.js";
import { FileGenerationCounter, GENERATIONS_FILE_SIZE } from "./generation.js";

let dir: string;
let path: string;
const opened: FileGenerationCounter[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gatehouse-gen-"));
  path = join(dir, "generations.bin");
});

afterEach(() => {
  for (const counter of opened.splice(0)) counter.close();
  rmSync(dir, { recursive: true, force: true });
});

function openCounter(): FileGenerationCounter {
  const counter = FileGenerationCounter.open(path);
  opened.push(counter);
  return counter;
}

describe("FileGenerationCounter", () => {
  it("a new counters file is 16 zero bytes and reads as zero", async () => {
    await FileGenerationCounter.ensureFile(path);
    expect(readFileSync(path)).toEqual(Buffer.alloc(GENERATIONS_FILE_SIZE));
    expect(openCounter().read()).toEqual({ secrets: 0n, config: 0n });
  });

  it("ensureFile keeps an existing file's counters", async () => {
    await FileGenerationCounter.ensureFile(path);
    openCounter().bump("config");
    await FileGenerationCounter.ensureFile(path);
    expect(openCounter().read()).toEqual({ secrets: 0n, config: 1n });
  });

  it("a bump moves only its own counter, stored as u64 little-endian at its offset", async () => {
    await FileGenerationCounter.ensureFile(path);
    const counter = openCounter();
    counter.bump("secrets");
    counter.bump("secrets");
    counter.bump("config");
    expect(counter.read()).toEqual({ secrets: 2n, config: 1n });
    const bytes = readFileSync(path);
    expect(bytes).toHaveLength(16);
    expect(bytes.readBigUInt64LE(0)).toBe(2n);
    expect(bytes.readBigUInt64LE(8)).toBe(1n);
  });

  it("continues from a large stored value without losing precision", () => {
    const bytes = Buffer.alloc(16);
    bytes.writeBigUInt64LE(2n ** 53n + 1n, 0);
    writeFileSync(path, bytes);
    const counter = openCounter();
    counter.bump("secrets");
    expect(counter.read().secrets).toBe(2n ** 53n + 2n);
  });

  it("a second descriptor on the file sees every bump at once", async () => {
    await FileGenerationCounter.ensureFile(path);
    const writer = openCounter();
    const reader = openCounter();
    writer.bump("secrets");
    expect(reader.read()).toEqual({ secrets: 1n, config: 0n });
    writer.bump("config");
    expect(reader.read()).toEqual({ secrets: 1n, config: 1n });
  });

  it("hands back the same counters object while nothing changed, and a new one on any change in any byte", async () => {
    await FileGenerationCounter.ensureFile(path);
    const reader = openCounter();
    const writer = openCounter();
    const first = reader.read();
    expect(reader.read()).toBe(first);
    writer.bump("secrets");
    const afterBump = reader.read();
    expect(afterBump).not.toBe(first);
    expect(afterBump).toEqual({ secrets: 1n, config: 0n });
    expect(reader.read()).toBe(afterBump);
    // A change only in the high word of a counter is a change too.
    const bytes = readFileSync(path);
    bytes.writeUInt32LE(7, 12);
    writeFileSync(path, bytes);
    expect(reader.read()).toEqual({ secrets: 1n, config: 7n * 2n ** 32n });
  });

  it("refuses a counters file of the wrong size as corrupt", () => {
    writeFileSync(path, Buffer.alloc(8));
    expect(() => FileGenerationCounter.open(path)).toThrow(StoreCorruptError);
    expect(readFileSync(path)).toHaveLength(8);
  });

  it("a counters file truncated while open is reported as corrupt on read", async () => {
    await FileGenerationCounter.ensureFile(path);
    const counter = openCounter();
    writeFileSync(path, Buffer.alloc(4));
    expect(() => counter.read()).toThrow(StoreCorruptError);
  });

  it("a closed counter refuses reads, and closing twice is harmless", async () => {
    await FileGenerationCounter.ensureFile(path);
    const counter = FileGenerationCounter.open(path);
    counter.close();
    counter.close();
    expect(() => counter.read()).toThrow(/closed/);
  });
});
