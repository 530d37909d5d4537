/**
 * The file store's write path, run under the store lock (decision 036): the change
 * runs on a copy-on-write draft of the parts, every changed record is checked, only
 * the parts it changed are rendered and written beside the old files, the journal
 * names the new files, then they are renamed in place (token hashes first) and the
 * generations bumped. What was written becomes the part cache's new entries.
 */
import { prepareAtomicWrite, readFileStamp, stampIdentity } from "./atomic-file.js";
import type { PreparedWrite } from "./atomic-file.js";
import type { FileChangeJournal, JournalChanges, JournalRecord } from "./change-journal.js";
import type { GenerationCounter, Generations } from "./generation.js";
import type { AccessState } from "../../core/model.js";
import { applyConfigChanges, createStateDraft } from "../state-draft.js";
import type { DraftChanges } from "../state-draft.js";
import { SliceYielder } from "../../guard/cooperative.js";
import type { HeldLock } from "./store-lock.js";
import { checkDraftChanges, PARTS, SECRET_FILE_MODE, serializePart } from "./file-format.js";
import type { StoredPart, UsersFile } from "./file-format.js";
import { applyHashChanges, renderHashMap, RenderedUsersFile } from "./file-render.js";
import type { CachedValues, FilePartCache, PartEntries, PartEntry } from "./part-cache.js";

/** Rendering slices are shorter than the cooperative default: they run beside cached-token requests at every mutation. */
const RENDER_SLICE_MS = 4;
/** Renamed in this order: secrets first (see writeChanges). */
const WRITE_ORDER: readonly StoredPart[] = ["tokenShadow", "passwordShadow", "users", "acl"];

export class FileMutationWriter {
  constructor(
    private readonly parts: FilePartCache,
    private readonly journal: FileChangeJournal,
    private readonly generations: GenerationCounter,
    private readonly pathOf: (file: string) => string,
    /** Called as soon as the files are renamed: stamps taken earlier no longer describe them. */
    private readonly onFilesReplaced: () => void,
  ) {}

  /**
   * Runs `change` on a draft of the parts as this process holds them (brought
   * forward from the journal when another store wrote since) and writes what it
   * changed. The caller holds the lock.
   */
  async apply<T>(held: HeldLock, change: (state: AccessState) => T): Promise<T> {
    const generations = this.generations.read();
    const entries = await this.parts.loadAll(generations);
    const base = this.parts.configOf(entries.users.value, entries.acl.value);
    const draft = createStateDraft(base, {
      tokenHashes: { rows: entries.tokenShadow.value, complete: true },
      passwordHashes: { rows: entries.passwordShadow.value, complete: true },
    });
    const result = change(draft.state);
    assertSynchronous(result);
    const changes = checkDraftChanges(draft.readChanges());
    await this.writeChanges(held, generations, entries, changes);
    return result;
  }

  /**
   * Writes what `changes` touched (decision 036). The files are prepared first, the
   * journal names them, then they are renamed: secrets first, so a token's hash is
   * in place before its metadata on create, and gone before it on delete, and no
   * intermediate state accepts a secret the finished mutation would reject.
   */
  private async writeChanges(held: HeldLock, generations: Generations, entries: PartEntries, changes: DraftChanges): Promise<void> {
    const next: { [P in StoredPart]?: { value: CachedValues[P]; text: string } } = {};
    // Rendering 10,000 records is tens of milliseconds: in slices, so the requests this worker serves meanwhile are answered.
    const yielder = new SliceYielder(RENDER_SLICE_MS);
    let renderedUsers: RenderedUsersFile | null = null;
    if (changes.tokenHashes.size > 0) {
      next.tokenShadow = {
        value: entries.tokenShadow.value,
        text: await renderHashMap(entries.tokenShadow.value, changes.tokenHashes, yielder),
      };
    }
    if (changes.passwordHashes.size > 0) {
      next.passwordShadow = {
        value: entries.passwordShadow.value,
        text: await renderHashMap(entries.passwordShadow.value, changes.passwordHashes, yielder),
      };
    }
    if (changes.users.size > 0 || changes.tokens.size > 0) {
      const applied = applyConfigChanges(
        { users: entries.users.value.users, tokens: entries.users.value.tokens, acl: [] },
        { users: changes.users, tokens: changes.tokens, acl: null },
      );
      const value: UsersFile = Object.freeze({ users: applied.users, tokens: applied.tokens });
      // Taken now and given back once the file is in place: a failed write must not leave entries ahead of the file.
      const rendered = this.parts.takeRenderedUsers(entries.users.value) ?? (await RenderedUsersFile.build(entries.users.value, yielder));
      rendered.update({ users: changes.users, tokens: changes.tokens });
      next.users = { value, text: await rendered.render(yielder) };
      renderedUsers = rendered;
    }
    if (changes.acl !== null) {
      const value = Object.freeze(changes.acl.map((entry) => Object.freeze({ ...entry })));
      next.acl = { value, text: serializePart(value) };
    }
    const written = WRITE_ORDER.filter((part) => next[part] !== undefined);
    if (written.length === 0) return;
    held.assertHeld();
    const prepared = new Map<StoredPart, PreparedWrite>();
    try {
      for (const part of written) {
        prepared.set(part, await prepareAtomicWrite(this.pathOf(PARTS[part].file), next[part]?.text ?? "", { mode: SECRET_FILE_MODE }));
      }
      const bumpsSecrets = written.some((part) => PARTS[part].generation === "secrets");
      const bumpsConfig = written.some((part) => PARTS[part].generation === "config");
      const after: Generations = {
        secrets: generations.secrets + (bumpsSecrets ? 1n : 0n),
        config: generations.config + (bumpsConfig ? 1n : 0n),
      };
      const files = {} as JournalRecord["files"];
      for (const part of WRITE_ORDER) {
        const before = stampIdentity(entries[part].stamp);
        files[part] = { before, after: prepared.get(part)?.identity ?? before };
      }
      await this.journal.append({ before: generations, after, files, changes: toJournalChanges(changes) });
      for (const part of written) await prepared.get(part)?.commit();
      if (bumpsSecrets) this.generations.bump("secrets");
      if (bumpsConfig) this.generations.bump("config");
    } catch (error) {
      for (const write of prepared.values()) await write.abort();
      // Some files may be replaced: read them again rather than trust what this process holds.
      this.parts.forgetAll();
      throw error;
    }
    this.onFilesReplaced();
    if (renderedUsers !== null && next.users !== undefined) this.parts.keepRenderedUsers(next.users.value, renderedUsers);
    this.installWritten(entries, next, prepared, changes);
  }

  /** The parts as written become the cache's entries, at the bumped generations; synchronous, right after the renames. */
  private installWritten(
    entries: PartEntries,
    next: { [P in StoredPart]?: { value: CachedValues[P]; text: string } },
    prepared: ReadonlyMap<StoredPart, PreparedWrite>,
    changes: DraftChanges,
  ): void {
    const bumped = this.generations.read();
    if (changes.tokenHashes.size > 0) applyHashChanges(entries.tokenShadow.value, changes.tokenHashes);
    if (changes.passwordHashes.size > 0) applyHashChanges(entries.passwordShadow.value, changes.passwordHashes);
    for (const part of WRITE_ORDER) {
      const entry = entries[part] as PartEntry<CachedValues[StoredPart]>;
      const generation = bumped[PARTS[part].generation];
      const update = next[part] as { value: CachedValues[StoredPart]; text: string } | undefined;
      let installed: PartEntry<CachedValues[StoredPart]> | null;
      if (update === undefined) {
        installed = { ...entry, generation, chainGeneration: generation };
      } else {
        const stamp = readFileStamp(this.pathOf(PARTS[part].file));
        // Edited by hand in the instant since the rename: let the next read parse it.
        installed =
          stampIdentity(stamp) === prepared.get(part)?.identity
            ? { generation, chainGeneration: generation, stamp, value: update.value, text: update.text }
            : null;
      }
      if (part === "tokenShadow") {
        if (installed !== null) this.parts.recordSecretTransition(entry, installed, new Set(changes.tokenHashes.keys()));
        // A read during the renames may already have moved the entry to the new file: it holds the same content.
        const current = this.parts.peek(part);
        if (installed !== null && current !== undefined && current !== entry && current.stamp === installed.stamp) {
          this.parts.recordSecretTransition(current, installed, new Set());
        }
      }
      this.parts.install(part, installed);
    }
  }
}

function toJournalChanges(changes: DraftChanges): JournalChanges {
  return {
    users: [...changes.users],
    tokens: [...changes.tokens],
    acl: changes.acl,
    tokenHashes: [...changes.tokenHashes],
    passwordHashes: [...changes.passwordHashes],
  };
}

/**
 * A change runs under the lock and its draft is written as soon as it returns: edits
 * made after an await inside it would be silently lost, so a promise is refused.
 */
function assertSynchronous(result: unknown): void {
  if (typeof (result as { then?: unknown } | null)?.then === "function") {
    throw new TypeError("mutate: the change must be synchronous; do async work (such as hashing) before mutate");
  }
}
