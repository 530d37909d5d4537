/**
 * The file backend's audit log: JSON lines appended to `audit.jsonl` (0600) in the
 * data dir, rotated by size to `audit.jsonl.1` .. `audit.jsonl.<retained>`, the
 * oldest dropped (decision 030).
 *
 * A mutation's records are appended while the store lock is held, after every file
 * of the change is written: an acknowledged change always has its record, and a
 * crash never leaves a record of a change whose files were not written. Events that
 * change nothing (a login, a refusal) are appended without the lock: one write(2)
 * with O_APPEND lands whole, and only rotation, which renames files, takes the lock.
 */
import { open, readFile, rename, rm, stat } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { parseAuditLine, pageAuditRecords, toStorableAuditEvent } from "../../core/audit.js";
import type { AuditEvent, AuditPage, AuditQuery, AuditRecord } from "../../core/audit.js";
import { SliceYielder } from "../../guard/cooperative.js";

export const AUDIT_FILE = "audit.jsonl";
const AUDIT_FILE_MODE = 0o600;

export interface AuditRetention {
  /** Size from which the current file is rotated. Default 16 MiB. */
  maxFileBytes: number;
  /** Rotated files kept besides the current one. Default 4. */
  retainedFiles: number;
}

export const DEFAULT_AUDIT_RETENTION: AuditRetention = { maxFileBytes: 16 * 1024 * 1024, retainedFiles: 4 };

/** The names of every audit file a data dir may hold, for tests that check the dir's contents. */
export function isAuditFileName(name: string): boolean {
  return name === AUDIT_FILE || /^audit\.jsonl\.[1-9][0-9]{0,2}$/.test(name);
}

export class AuditFileLog {
  private readonly currentPath: string;

  constructor(
    private readonly dataDir: string,
    readonly retention: AuditRetention = DEFAULT_AUDIT_RETENTION,
  ) {
    if (!Number.isSafeInteger(retention.maxFileBytes) || retention.maxFileBytes < 1024) {
      throw new RangeError(`audit maxFileBytes must be an integer >= 1024, got ${retention.maxFileBytes}`);
    }
    if (!Number.isInteger(retention.retainedFiles) || retention.retainedFiles < 0 || retention.retainedFiles > 999) {
      throw new RangeError(`audit retainedFiles must be an integer 0..999, got ${retention.retainedFiles}`);
    }
    this.currentPath = join(dataDir, AUDIT_FILE);
  }

  /**
   * Appends `events` as one write and syncs it. Returns the file's size afterwards,
   * so the caller can rotate (under the lock) once it passes the limit.
   */
  async append(events: readonly AuditEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    const text = events.map((event) => `${JSON.stringify(toStorableAuditEvent(event))}\n`).join("");
    const handle = await open(this.currentPath, "a+", AUDIT_FILE_MODE);
    try {
      // A line torn by a power loss must not swallow the next record: start on a fresh line.
      const prefix = (await endsMidLine(handle)) ? "\n" : "";
      await handle.write(prefix + text);
      await handle.datasync();
      return (await handle.stat()).size;
    } finally {
      await handle.close();
    }
  }

  /** Whether the current file has reached the rotation size. */
  isDueForRotation(size: number): boolean {
    return size >= this.retention.maxFileBytes;
  }

  /** Call with the store lock held: shifts every file one place and drops the oldest. */
  async rotateIfDue(): Promise<void> {
    const size = await stat(this.currentPath).then(
      (s) => s.size,
      () => 0,
    );
    if (!this.isDueForRotation(size)) return;
    const { retainedFiles } = this.retention;
    if (retainedFiles === 0) {
      await rm(this.currentPath, { force: true });
      return;
    }
    await rm(this.rotatedPath(retainedFiles), { force: true });
    for (let index = retainedFiles - 1; index >= 1; index -= 1) {
      await rename(this.rotatedPath(index), this.rotatedPath(index + 1)).catch(ignoreMissing);
    }
    await rename(this.currentPath, this.rotatedPath(1));
  }

  /**
   * Every retained record, oldest first, filtered and paged newest first. Bounded
   * by the retention: at most (retainedFiles + 1) files of maxFileBytes.
   */
  async read(query: AuditQuery): Promise<AuditPage> {
    const records: AuditRecord[] = [];
    let id = 0;
    const yielder = new SliceYielder();
    for (let index = this.retention.retainedFiles; index >= 0; index -= 1) {
      const path = index === 0 ? this.currentPath : this.rotatedPath(index);
      const text = await readFile(path, "utf8").catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
        throw error;
      });
      for (const line of text.split("\n")) {
        const record = parseAuditLine(line, id);
        if (record === null) continue;
        records.push(record);
        id += 1;
        const due = yielder.tick();
        if (due !== undefined) await due;
      }
    }
    return pageAuditRecords(records, query);
  }

  private rotatedPath(index: number): string {
    return join(this.dataDir, `${AUDIT_FILE}.${index}`);
  }
}

async function endsMidLine(handle: FileHandle): Promise<boolean> {
  const { size } = await handle.stat();
  if (size === 0) return false;
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  return last[0] !== 0x0a;
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
}
