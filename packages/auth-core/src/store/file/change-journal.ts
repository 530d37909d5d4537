/**
 * The file store's change journal (docs/decisions/036-file-change-journal.md):
 * `changes.jsonl`, one line per mutation, appended under the store lock after the
 * new files are written and fsynced and before they are renamed into place. A line
 * names the generations and the file identities before and after the mutation and
 * the records it changed, so another process at the previous generation applies just
 * those records instead of reading and parsing whole files.
 *
 * The journal is a hint, never the truth: a reader applies a chain of records only
 * when it starts from exactly the files it holds and ends at exactly the files on
 * disk (stampIdentity), and reads the whole file otherwise: after a hand edit (I3),
 * a lost or torn line, a rotation it missed, or a record too large to name its
 * changes. It is not fsynced: after a crash every process starts with empty caches.
 */
import { open } from "node:fs/promises";
import { z } from "zod";
import { isNotFound, writeFileAtomic } from "./atomic-file.js";
import { aclFileSchema, mapKey, SECRET_FILE_MODE, tokenRecordSchema, userRecordSchema } from "./file-format.js";
import type { StoredPart } from "./file-format.js";
import type { Generations } from "./generation.js";
import type { AclEntry, TokenRecord, UserRecord } from "../../core/model.js";

/** Past this size the writer starts a new journal; readers that lag behind it read whole files once. */
export const JOURNAL_ROTATE_BYTES = 1024 * 1024;
/** A change whose names exceed this is journaled without them: readers read whole files (an import, a mass delete). */
export const JOURNAL_RECORD_MAX_BYTES = 256 * 1024;
/** Records a process keeps in memory for parts that catch up later (a password shadow read once an hour). */
const KEPT_RECORDS = 512;

/** Changed records, null for a deletion; `acl` is the whole new ACL or null when unchanged. */
export interface JournalChanges {
  users: [string, UserRecord | null][];
  tokens: [string, TokenRecord | null][];
  acl: AclEntry[] | null;
  tokenHashes: [string, string | null][];
  passwordHashes: [string, string | null][];
}

export interface JournalRecord {
  before: Generations;
  after: Generations;
  /** stampIdentity of each file before and after the mutation; equal for a file it did not write. */
  files: Record<StoredPart, { before: string; after: string }>;
  /** Null when too large to journal: a reader must read whole files. */
  changes: JournalChanges | null;
}

const generationText = z.string().regex(/^\d{1,20}$/);
const fileIdentities = z.object({ before: z.string().min(1), after: z.string().min(1) });
const pairs = <T extends z.ZodType>(value: T) => z.array(z.tuple([mapKey, value.nullable()]));

const recordSchema = z.object({
  v: z.literal(1),
  before: z.object({ secrets: generationText, config: generationText }),
  after: z.object({ secrets: generationText, config: generationText }),
  files: z.object({ users: fileIdentities, acl: fileIdentities, passwordShadow: fileIdentities, tokenShadow: fileIdentities }),
  changes: z
    .object({
      users: pairs(userRecordSchema),
      tokens: pairs(tokenRecordSchema),
      acl: aclFileSchema.nullable(),
      tokenHashes: pairs(z.string().min(1)),
      passwordHashes: pairs(z.string().min(1)),
    })
    .nullable(),
});

/** One journal line, newline-terminated; the changes are left out when they are too large. */
export function formatJournalRecord(record: JournalRecord): string {
  const line = (changes: JournalChanges | null) =>
    JSON.stringify({
      v: 1,
      before: { secrets: String(record.before.secrets), config: String(record.before.config) },
      after: { secrets: String(record.after.secrets), config: String(record.after.config) },
      files: record.files,
      changes,
    });
  const full = line(record.changes);
  return `${Buffer.byteLength(full) <= JOURNAL_RECORD_MAX_BYTES ? full : line(null)}\n`;
}

/** A journal line, or null for anything else (a torn line, a hand-written one): never trusted, only skipped. */
export function parseJournalLine(line: string): JournalRecord | null {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return null;
  }
  const parsed = recordSchema.safeParse(raw);
  if (!parsed.success) return null;
  const { before, after, files, changes } = parsed.data;
  return {
    before: { secrets: BigInt(before.secrets), config: BigInt(before.config) },
    after: { secrets: BigInt(after.secrets), config: BigInt(after.config) },
    files,
    changes,
  };
}

/** The journal of one data dir as one process sees it: appends (under the lock) and the records read so far. */
export class FileChangeJournal {
  /** The file last read, by inode, and how far: only complete lines are consumed. */
  private position: { ino: bigint; offset: number } | null = null;
  private records: JournalRecord[] = [];
  private refreshing: Promise<readonly JournalRecord[]> | null = null;

  constructor(readonly path: string) {}

  /** Appends one record. Call only while holding the store lock. */
  async append(record: JournalRecord): Promise<void> {
    const handle = await open(this.path, "a", SECRET_FILE_MODE);
    let size: number;
    try {
      size = (await handle.stat()).size;
      if (size < JOURNAL_ROTATE_BYTES) await handle.write(formatJournalRecord(record));
    } finally {
      await handle.close();
    }
    // A fresh file (a new inode) in one atomic step: no reader ever sees a half-rotated journal.
    if (size >= JOURNAL_ROTATE_BYTES) await writeFileAtomic(this.path, formatJournalRecord(record), { mode: SECRET_FILE_MODE });
  }

  /** Reads the lines appended since the last call; concurrent callers share one read. */
  refresh(): Promise<readonly JournalRecord[]> {
    this.refreshing ??= this.readNewLines().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async readNewLines(): Promise<readonly JournalRecord[]> {
    let handle;
    try {
      handle = await open(this.path, "r");
    } catch (error) {
      if (isNotFound(error)) return this.records;
      throw error;
    }
    try {
      const stat = await handle.stat({ bigint: true });
      const size = Number(stat.size);
      let offset = this.position !== null && this.position.ino === stat.ino && this.position.offset <= size ? this.position.offset : 0;
      if (size > offset) {
        const buffer = Buffer.alloc(size - offset);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        const text = buffer.subarray(0, bytesRead).toString("utf8");
        const end = text.lastIndexOf("\n");
        if (end >= 0) {
          for (const line of text.slice(0, end).split("\n")) {
            const record = parseJournalLine(line);
            if (record !== null) this.records.push(record);
          }
          offset += Buffer.byteLength(text.slice(0, end + 1));
        }
        if (this.records.length > KEPT_RECORDS) this.records = this.records.slice(-KEPT_RECORDS);
      }
      this.position = { ino: stat.ino, offset };
      return this.records;
    } finally {
      await handle.close();
    }
  }
}

/** Which generation counter guards each part. */
const COUNTER: Record<StoredPart, keyof Generations> = { users: "config", acl: "config", passwordShadow: "config", tokenShadow: "secrets" };

/** Where a cached part stands: the generation it was read under and the identity of its file. */
export interface PartPosition {
  generation: bigint;
  identity: string;
}

/**
 * The records that take `part` from `from` to `to`, in order, or null when the
 * journal cannot account for every step. A record that moved neither the part's
 * counter nor its file is passed over; one that starts anywhere but where the chain
 * stands breaks it. `pending` is set when the chain ends at the files on disk but at
 * the generation after `to`: the writer renamed its files and has not bumped yet.
 */
export function planCatchUp(
  part: StoredPart,
  from: PartPosition,
  to: PartPosition,
  records: readonly JournalRecord[],
): { steps: JournalRecord[]; pending: boolean } | null {
  const counter = COUNTER[part];
  const steps: JournalRecord[] = [];
  let generation = from.generation;
  let identity = from.identity;
  const reached = () =>
    identity === to.identity && (generation === to.generation || (generation === to.generation + 1n && steps.length > 0));
  for (const record of records) {
    if (reached()) break;
    const before = record.before[counter];
    const after = record.after[counter];
    const file = record.files[part];
    if (after <= generation && file.before === file.after) continue;
    if (before !== generation || file.before !== identity) {
      // Older than where the chain stands (already in the cache), or a step it cannot account for.
      if (after <= generation) continue;
      return null;
    }
    steps.push(record);
    generation = after;
    identity = file.after;
  }
  if (!reached()) return null;
  return { steps, pending: generation !== to.generation };
}
