/**
 * Crash-safe file replacement and the reading helpers of the file store.
 *
 * A writer never touches the live file: it writes a temp file in the same
 * directory, fsyncs it, renames it over the target (atomic on POSIX within one
 * file system) and fsyncs the directory so the rename itself survives a power
 * loss. A reader therefore sees either the whole old file or the whole new one.
 */
import { randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import { open, readdir, rename, unlink } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { z } from "zod";
import { StoreCorruptError } from "../../core/errors.js";

const TEMP_SUFFIX = ".tmp";

/** Stamp of a missing file: a deletion is a change like any other (I3). */
export const ABSENT_STAMP = "absent";

/** `.<target>.<pid>.<random>.tmp`: hidden, and recognisable by removeAtomicTempFiles. */
function makeTempPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString("hex")}${TEMP_SUFFIX}`);
}

export function isAtomicTempFileName(name: string): boolean {
  return /^\..+\.\d+\.[0-9a-f]{12}\.tmp$/.test(name);
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, options: { mode: number }): Promise<void> {
  const prepared = await prepareAtomicWrite(path, data, options);
  await prepared.commit();
}

/** A written, fsynced temp file that becomes `path` on commit (see prepareAtomicWrite). */
export interface PreparedWrite {
  /** stampIdentity of the file `path` will be once committed: a rename keeps inode, size and mtime. */
  readonly identity: string;
  /** Renames the temp file over `path` and fsyncs the directory. */
  commit(): Promise<void>;
  /** Removes the temp file; harmless after commit. */
  abort(): Promise<void>;
}

/**
 * The first half of writeFileAtomic: the temp file is written and fsynced, and its
 * identity is known before anything replaces `path`, so the file store can journal
 * what the new file will be before readers can see it (decision 036).
 */
export async function prepareAtomicWrite(path: string, data: string | Uint8Array, options: { mode: number }): Promise<PreparedWrite> {
  const tempPath = makeTempPath(path);
  let handle: FileHandle | undefined;
  let identity: string;
  try {
    handle = await open(tempPath, "wx", options.mode);
    // The creation mode is filtered by the umask; a secret file must end up exactly 0600.
    await handle.chmod(options.mode);
    await handle.writeFile(data);
    await handle.sync();
    identity = stampIdentity(formatStamp(await handle.stat({ bigint: true })));
    await handle.close();
    handle = undefined;
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await unlink(tempPath).catch(() => undefined);
    throw error;
  }
  let done = false;
  return {
    identity,
    async commit() {
      try {
        await rename(tempPath, path);
      } catch (error) {
        await unlink(tempPath).catch(() => undefined);
        throw error;
      }
      done = true;
      await syncDirectory(dirname(path));
    },
    async abort() {
      if (!done) await unlink(tempPath).catch(() => undefined);
    },
  };
}

/** Makes a rename or create in `dir` durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Deletes temp files a crashed writer left in `dir`. Only call it while holding the
 * store lock: every atomic write happens under that lock, so no live writer owns one.
 */
export async function removeAtomicTempFiles(dir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir)) {
    if (!isAtomicTempFileName(name)) continue;
    await unlink(join(dir, name)).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
    removed.push(name);
  }
  return removed;
}

/**
 * Identity of a file's current content without reading it: inode, size, and the
 * nanosecond mtime and ctime. An atomic replace gives a new inode; a hand edit in
 * place moves mtime and ctime. Synchronous because it is on the per-request path.
 */
export function readFileStamp(path: string): string {
  const stat = statSync(path, { bigint: true, throwIfNoEntry: false });
  if (!stat) return ABSENT_STAMP;
  return formatStamp(stat);
}

/**
 * The part of a stamp a rename keeps: inode, size and mtime, without the ctime (a
 * rename moves it on most file systems). Journal records name files by it.
 */
export function stampIdentity(stamp: string): string {
  if (stamp === ABSENT_STAMP) return stamp;
  const cut = stamp.lastIndexOf(".");
  return cut < 0 ? stamp : stamp.slice(0, cut);
}

function formatStamp(stat: { ino: bigint; size: bigint; mtimeNs: bigint; ctimeNs: bigint }): string {
  return `${stat.ino}.${stat.size}.${stat.mtimeNs}.${stat.ctimeNs}`;
}

/** A file's bytes together with the stamp of exactly those bytes. */
export interface FileSnapshot {
  bytes: Buffer;
  stamp: string;
}

/** Bound on re-reads of a file that keeps changing while being read (an editor writing in place). */
const SNAPSHOT_ATTEMPTS = 5;

/**
 * Reads a file and its stamp, or null when it does not exist. The stamp comes
 * from the open descriptor before and after the read, so a cached parse can never
 * be filed under the stamp of a newer version than the bytes it came from.
 */
export async function readFileSnapshot(path: string): Promise<FileSnapshot | null> {
  for (let attempt = 1; ; attempt += 1) {
    let handle: FileHandle;
    try {
      handle = await open(path, "r");
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
    try {
      const before = formatStamp(await handle.stat({ bigint: true }));
      const bytes = await handle.readFile();
      const after = formatStamp(await handle.stat({ bigint: true }));
      if (before === after || attempt >= SNAPSHOT_ATTEMPTS) return { bytes, stamp: after };
    } finally {
      await handle.close();
    }
  }
}

/**
 * Parses stored JSON. A file that is not JSON or not of the expected shape is a
 * StoreCorruptError naming the file; it is never treated as empty, so a broken file
 * stops writes instead of being overwritten with nothing. `isExactly`, when given,
 * is a fast check that accepts only values the schema would return unchanged; what
 * it does not accept still goes through the schema (and its error message).
 */
export function parseStoredJson<T>(bytes: Uint8Array, location: string, schema: z.ZodType<T>, isExactly?: (raw: unknown) => raw is T): T {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    // The parser's message quotes file content; token and password hashes stay out of errors.
    throw new StoreCorruptError(location, "not valid JSON");
  }
  // A value that already has exactly the schema's shape is what the schema would return.
  if (isExactly?.(raw) === true) return raw;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.map(String).join(".")}` : "";
    throw new StoreCorruptError(location, `unexpected content${where}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

export function isNotFound(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === "ENOENT";
}
