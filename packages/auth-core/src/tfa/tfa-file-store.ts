/**
 * The file backend of the second factors: `tfa.json` in the data dir, mode 0600
 * (TOTP secrets must stay recoverable, so the file's permissions are what protects
 * them), replaced atomically under its own cross-process lock `tfa.lock`.
 * Layout: `{"users": {"<userid>": <TfaUserData>}}`, as PBS's `/etc/proxmox-backup/tfa.json`.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../store/file/atomic-file.js";
import { StoreCorruptError } from "../core/errors.js";
import { StoreLock } from "../store/file/store-lock.js";
import { compactTfaUserData, tfaDocumentSchema, type TfaDocument, type TfaUserData } from "./tfa-model.js";
import { applyTfaChange, cloneTfaUserData, type TfaStore } from "./tfa-store.js";

export const TFA_FILE = "tfa.json";
export const TFA_LOCK = "tfa.lock";
const TFA_FILE_MODE = 0o600;

export class FileTfaStore implements TfaStore {
  private readonly path: string;
  private readonly lock: StoreLock;

  constructor(dataDir: string) {
    this.path = join(dataDir, TFA_FILE);
    this.lock = new StoreLock(join(dataDir, TFA_LOCK));
  }

  async readUser(userid: string): Promise<TfaUserData | undefined> {
    return (await this.readDocument()).users[userid];
  }

  async readAll(): Promise<Record<string, TfaUserData>> {
    return (await this.readDocument()).users;
  }

  updateUser<T>(userid: string, nowS: number, change: (data: TfaUserData) => T): Promise<T> {
    return this.lock.run(async (held) => {
      const document = await this.readDocument();
      const { result, next } = applyTfaChange(document.users[userid], nowS, change);
      if (next === null) delete document.users[userid];
      else document.users[userid] = next;
      held.assertHeld();
      await this.writeDocument(document);
      return result;
    });
  }

  removeUser(userid: string): Promise<void> {
    return this.lock.run(async (held) => {
      const document = await this.readDocument();
      if (document.users[userid] === undefined) return;
      delete document.users[userid];
      held.assertHeld();
      await this.writeDocument(document);
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private async readDocument(): Promise<TfaDocument> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { users: {} };
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new StoreCorruptError(this.path, "not JSON", { cause: error });
    }
    const parsed = tfaDocumentSchema.safeParse(json);
    if (!parsed.success) throw new StoreCorruptError(this.path, parsed.error.issues[0]?.message ?? "unexpected shape");
    return parsed.data;
  }

  private writeDocument(document: TfaDocument): Promise<void> {
    const users: Record<string, unknown> = {};
    for (const userid of Object.keys(document.users).sort()) {
      const data = document.users[userid];
      if (data !== undefined) users[userid] = compactTfaUserData(cloneTfaUserData(data));
    }
    return writeFileAtomic(this.path, `${JSON.stringify({ users }, null, 2)}\n`, { mode: TFA_FILE_MODE });
  }
}
