/**
 * Rendering a change into file contents without re-rendering the whole file: user.json
 * as one rendered entry per record (RenderedUsersFile) and the hash maps line by line,
 * each byte for byte what serializePart gives for the same value, and each in slices
 * so the requests a worker serves meanwhile are answered (decision 036). The formats
 * themselves are in file-format.ts.
 */
import type { TokenRecord, UserRecord } from "../../core/model.js";
import type { SliceYielder } from "../../guard/cooperative.js";
import type { UsersFile } from "./file-format.js";

/** Entries rendered per JSON.stringify call: about a millisecond of work at a time. */
const RENDER_CHUNK = 500;

/** One record of user.json as serializePart renders it inside its map: two levels deep. */
function renderUsersEntry(key: string, record: unknown): string {
  return `    ${JSON.stringify(key)}: ${JSON.stringify(record, null, 2).replaceAll("\n", "\n    ")}`;
}

/**
 * user.json as rendered entries, one string per user and token, kept by a process
 * that writes the file: a change re-renders only its records, and the file is the
 * entries joined (decision 036). The entries follow the value's key order: a Map
 * keeps a replaced key in place and appends a new one, as the object does.
 */
export class RenderedUsersFile {
  private constructor(
    private readonly users: Map<string, string>,
    private readonly tokens: Map<string, string>,
  ) {}

  /** Renders every record of `value`, 500 at a time, giving the event loop back between slices. */
  static async build(value: UsersFile, yielder: SliceYielder): Promise<RenderedUsersFile> {
    const section = async (name: "users" | "tokens", map: Readonly<Record<string, unknown>>): Promise<Map<string, string>> => {
      const entries = new Map<string, string>();
      const keys = Object.keys(map);
      const head = `{\n  ${JSON.stringify(name)}: {\n`.length;
      const tail = "\n  }\n}".length;
      for (let i = 0; i < keys.length; i += RENDER_CHUNK) {
        const slice = keys.slice(i, i + RENDER_CHUNK);
        const chunk: Record<string, unknown> = {};
        for (const key of slice)
          Object.defineProperty(chunk, key, { value: map[key], enumerable: true, writable: true, configurable: true });
        const text = JSON.stringify({ [name]: chunk }, null, 2);
        // A literal newline never occurs inside a JSON string, and fields sit deeper: this splits exactly between records.
        const pieces = text.slice(head, text.length - tail).split(/,\n(?= {4}")/);
        if (pieces.length === slice.length) slice.forEach((key, index) => entries.set(key, pieces[index] ?? ""));
        else for (const key of slice) entries.set(key, renderUsersEntry(key, map[key]));
        const pause = yielder.yieldIfDue();
        if (pause !== undefined) await pause;
      }
      return entries;
    };
    return new RenderedUsersFile(await section("users", value.users), await section("tokens", value.tokens));
  }

  /** Re-renders the changed records; null deletes. */
  update(changes: { users: Iterable<[string, UserRecord | null]>; tokens: Iterable<[string, TokenRecord | null]> }): void {
    for (const [key, record] of changes.users) {
      if (record === null) this.users.delete(key);
      else this.users.set(key, renderUsersEntry(key, record));
    }
    for (const [key, record] of changes.tokens) {
      if (record === null) this.tokens.delete(key);
      else this.tokens.set(key, renderUsersEntry(key, record));
    }
  }

  /** The file: serializePart of the value, byte for byte, joined in slices. */
  async render(yielder: SliceYielder): Promise<string> {
    const section = async (name: string, entries: Map<string, string>): Promise<string> => {
      const label = `  ${JSON.stringify(name)}: `;
      if (entries.size === 0) return `${label}{}`;
      const pieces: string[] = [];
      let batch: string[] = [];
      for (const entry of entries.values()) {
        batch.push(entry);
        if (batch.length === RENDER_CHUNK * 4) {
          pieces.push(batch.join(",\n"));
          batch = [];
          const pause = yielder.yieldIfDue();
          if (pause !== undefined) await pause;
        }
      }
      if (batch.length > 0) pieces.push(batch.join(",\n"));
      return `${label}{\n${pieces.join(",\n")}\n  }`;
    };
    const users = await section("users", this.users);
    const tokens = await section("tokens", this.tokens);
    return `{\n${users},\n${tokens}\n}\n`;
  }
}

/**
 * A hash map with `changes` applied (null deletes), rendered exactly as
 * serializePart renders the same object, in slices like RenderedUsersFile.
 */
export async function renderHashMap(
  base: ReadonlyMap<string, string>,
  changes: ReadonlyMap<string, string | null>,
  yielder: SliceYielder,
): Promise<string> {
  const lines: string[] = [];
  for (const [key, hash] of base) {
    const next = changes.has(key) ? changes.get(key) : hash;
    if (next !== null && next !== undefined) lines.push(`  ${JSON.stringify(key)}: ${JSON.stringify(next)}`);
    const pause = yielder.tick();
    if (pause !== undefined) await pause;
  }
  for (const [key, hash] of changes) {
    if (hash !== null && !base.has(key)) lines.push(`  ${JSON.stringify(key)}: ${JSON.stringify(hash)}`);
  }
  return lines.length === 0 ? "{}\n" : `{\n${lines.join(",\n")}\n}\n`;
}

/** Applies hash changes in place, in the order renderHashMap renders them. */
export function applyHashChanges(map: Map<string, string>, changes: ReadonlyMap<string, string | null>): void {
  for (const [key, hash] of changes) {
    if (hash === null) map.delete(key);
    else map.set(key, hash);
  }
}
