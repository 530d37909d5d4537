/**
 * Generation counters shared by every process on the host (see
 * docs/decisions/002-generation-file-layout.md). A cache remembers the generation
 * it was filled at; a different number means "flush". Layout of `generations.bin`,
 * exactly 16 bytes:
 *
 *   offset 0  u64 little-endian  secrets generation (token.shadow)
 *   offset 8  u64 little-endian  config generation (users, tokens, ACL, passwords)
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import { access } from "node:fs/promises";
import { writeFileAtomic, isNotFound } from "./atomic-file.js";
import { StoreCorruptError } from "../../core/errors.js";

export type GenerationPart = "secrets" | "config";

export interface Generations {
  secrets: bigint;
  config: bigint;
}

export interface GenerationCounter {
  /** Both counters at once; cheap enough to call on every request. */
  read(): Generations;
  /** Adds one to a counter. Call only while holding the store lock. */
  bump(part: GenerationPart): void;
  close(): void;
}

export const GENERATIONS_FILE_SIZE = 16;

const OFFSETS: Record<GenerationPart, number> = { secrets: 0, config: 8 };

export class FileGenerationCounter implements GenerationCounter {
  // One buffer per counter: read() allocates nothing on the per-request path.
  private readonly buffer = Buffer.alloc(GENERATIONS_FILE_SIZE);
  /**
   * The counters the last read() returned, with the 32-bit words they were decoded
   * from: unchanged words hand back the same frozen object, so a request that
   * finds nothing changed allocates no BigInts and callers can compare by identity.
   */
  private last: { words: [number, number, number, number]; generations: Readonly<Generations> } | null = null;
  private fd: number | null;

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /**
   * Creates the file with both counters at zero when it does not exist. Call it
   * while holding the store lock, so two processes never both create it.
   */
  static async ensureFile(path: string): Promise<void> {
    try {
      await access(path);
      return;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    // Written atomically: a reader never opens a file shorter than 16 bytes.
    await writeFileAtomic(path, Buffer.alloc(GENERATIONS_FILE_SIZE), { mode: 0o600 });
  }

  /**
   * Opens an existing counters file and keeps the descriptor for the life of the
   * counter. The file is updated in place, never replaced, so the descriptor keeps
   * seeing every bump.
   */
  static open(path: string): FileGenerationCounter {
    const fd = openSync(path, "r+");
    try {
      const size = fstatSync(fd).size;
      if (size !== GENERATIONS_FILE_SIZE) {
        throw new StoreCorruptError(path, `expected ${GENERATIONS_FILE_SIZE} bytes, found ${size}`);
      }
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    return new FileGenerationCounter(path, fd);
  }

  read(): Generations {
    const fd = this.requireOpen();
    // One positioned read of both counters: no seek, no second syscall.
    const bytesRead = readSync(fd, this.buffer, 0, GENERATIONS_FILE_SIZE, 0);
    if (bytesRead !== GENERATIONS_FILE_SIZE) {
      throw new StoreCorruptError(this.path, `expected ${GENERATIONS_FILE_SIZE} bytes, read ${bytesRead}`);
    }
    const buffer = this.buffer;
    const w0 = buffer.readUInt32LE(0);
    const w1 = buffer.readUInt32LE(4);
    const w2 = buffer.readUInt32LE(8);
    const w3 = buffer.readUInt32LE(12);
    const last = this.last;
    if (last !== null && last.words[0] === w0 && last.words[1] === w1 && last.words[2] === w2 && last.words[3] === w3) {
      return last.generations;
    }
    const generations = Object.freeze({ secrets: buffer.readBigUInt64LE(0), config: buffer.readBigUInt64LE(8) });
    this.last = { words: [w0, w1, w2, w3], generations };
    return generations;
  }

  bump(part: GenerationPart): void {
    const fd = this.requireOpen();
    const next = this.read()[part] + 1n;
    const bytes = Buffer.alloc(8);
    bytes.writeBigUInt64LE(next);
    // No fsync: the counters only have to move while processes live. After a crash
    // every process restarts with empty caches, so a bump lost with the page cache
    // can invalidate nothing that still exists.
    const written = writeSync(fd, bytes, 0, 8, OFFSETS[part]);
    if (written !== 8) throw new Error(`${this.path}: short write of a generation counter (${written} of 8 bytes)`);
  }

  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    closeSync(fd);
  }

  private requireOpen(): number {
    if (this.fd === null) throw new Error(`FileGenerationCounter: ${this.path} is closed`);
    return this.fd;
  }
}
