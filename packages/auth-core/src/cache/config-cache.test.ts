import { describe, expect, it } from "vitest";
import { ConfigCache } from "./config-cache.js";
import type { AccessConfig } from "../core/model.js";
import type { AccessStore, StoreVersions } from "../store/store.js";

type ConfigReader = Pick<AccessStore, "readConfig">;

/** A store whose config and version the test edits directly, counting reads. */
class EditableConfigStore implements ConfigReader {
  reads = 0;
  version = 1;
  failNextRead = false;
  config: AccessConfig = {
    users: { "alice@pbs": { userid: "alice@pbs", enable: true, expire: 0 } },
    tokens: {},
    acl: [],
  };
  /** When set, reads wait for this promise, so a test can hold a read open. */
  gate: Promise<void> | null = null;

  versions(): StoreVersions {
    return { secrets: "s", config: `c${this.version}` };
  }

  async readConfig() {
    this.reads += 1;
    const versions = this.versions();
    // Every AccessStore hands the caller its own copy (AccessStore.readConfig); ConfigCache freezes that copy in place.
    const config = structuredClone(this.config);
    if (this.gate !== null) await this.gate;
    if (this.failNextRead) {
      this.failNextRead = false;
      throw new Error("disk on fire");
    }
    return { config, digest: `digest-${versions.config}`, versions };
  }
}

describe("ConfigCache", () => {
  it("answers a repeated version synchronously without reading the store", async () => {
    const store = new EditableConfigStore();
    const cache = new ConfigCache(store);
    const first = await cache.get("c1");
    expect(store.reads).toBe(1);
    const second = cache.get("c1");
    expect(second).not.toBeInstanceOf(Promise);
    expect(second).toBe(first);
    expect(cache.lookup("c1")).toBe(first);
    expect(store.reads).toBe(1);
  });

  it("reloads when the version changes, so a disable is seen at once (I5)", async () => {
    const store = new EditableConfigStore();
    const cache = new ConfigCache(store);
    expect((await cache.get("c1")).config.users["alice@pbs"]?.enable).toBe(true);

    store.config = {
      ...store.config,
      users: { "alice@pbs": { userid: "alice@pbs", enable: false, expire: 0 } },
    };
    store.version = 2;
    expect(cache.lookup("c2")).toBeNull();
    const reloaded = await cache.get("c2");
    expect(reloaded.config.users["alice@pbs"]?.enable).toBe(false);
    expect(reloaded.digest).toBe("digest-c2");
    expect(store.reads).toBe(2);
  });

  it("keys a snapshot by the version the store reported for the read", async () => {
    const store = new EditableConfigStore();
    const cache = new ConfigCache(store);
    // The caller saw c1, but the store moved on before the read started.
    store.version = 5;
    const snapshot = await cache.get("c1");
    expect(snapshot.version).toBe("c5");
    expect(cache.lookup("c5")).toBe(snapshot);
    expect(cache.lookup("c1")).toBeNull();
  });

  it("shares one store read between concurrent callers of the same version", async () => {
    const store = new EditableConfigStore();
    const cache = new ConfigCache(store);
    let open!: () => void;
    store.gate = new Promise<void>((resolve) => (open = resolve));
    const a = cache.get("c1");
    const b = cache.get("c1");
    open();
    expect(await a).toBe(await b);
    expect(store.reads).toBe(1);
  });

  it("does not hand a read started for an older version to a caller of a newer one", async () => {
    const store = new EditableConfigStore();
    const cache = new ConfigCache(store);
    let open!: () => void;
    store.gate = new Promise<void>((resolve) => (open = resolve));
    const old = cache.get("c1");
    store.version = 2;
    const fresh = cache.get("c2");
    open();
    expect((await old).version).toBe("c1");
    expect((await fresh).version).toBe("c2");
    expect(store.reads).toBe(2);
  });

  it("hands out a frozen copy that later store edits cannot reach", async () => {
    const store = new EditableConfigStore();
    const cache = new ConfigCache(store);
    const snapshot = await cache.get("c1");
    expect(Object.isFrozen(snapshot.config.users["alice@pbs"])).toBe(true);
    expect(Object.isFrozen(store.config.users["alice@pbs"])).toBe(false);
    store.config.users["alice@pbs"]!.enable = false;
    expect(snapshot.config.users["alice@pbs"]?.enable).toBe(true);
  });

  it("propagates a failed read and retries on the next request", async () => {
    const store = new EditableConfigStore();
    const cache = new ConfigCache(store);
    store.failNextRead = true;
    await expect(cache.get("c1")).rejects.toThrow("disk on fire");
    expect((await cache.get("c1")).version).toBe("c1");
    expect(store.reads).toBe(2);
  });

  it("reads the store again after clear", async () => {
    const store = new EditableConfigStore();
    const cache = new ConfigCache(store);
    await cache.get("c1");
    cache.clear();
    expect(cache.lookup("c1")).toBeNull();
    await cache.get("c1");
    expect(store.reads).toBe(2);
  });
});
