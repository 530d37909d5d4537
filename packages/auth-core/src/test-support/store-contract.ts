/**
 * The behaviour every AccessStore backend must show, in three parts: users, tokens
 * and the ACL; versions and mutations; the store's life and its other handles.
 */
import { afterEach, describe } from "vitest";
import type { AccessStore, StoreVersions } from "../store/store.js";
import { describeConfigContract } from "./store-contract-config.js";
import type { ContractHarness, OpenedStore } from "./store-contract-harness.js";
import { describeHandlesContract } from "./store-contract-handles.js";
import { describeVersionsContract } from "./store-contract-versions.js";

export type { OpenedStore } from "./store-contract-harness.js";

/**
 * Call it at the top level of a test file; `openStore` must give an empty, isolated
 * store on every call.
 */
export function describeAccessStoreContract(name: string, openStore: () => Promise<OpenedStore>): void {
  describe(`AccessStore contract: ${name}`, () => {
    const cleanups: (() => Promise<void>)[] = [];

    afterEach(async () => {
      // Reverse order: handles opened later are closed before the backend is removed.
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    const harness: ContractHarness = {
      async open(): Promise<OpenedStore> {
        const opened = await openStore();
        cleanups.push(opened.cleanup);
        return opened;
      },
      async openAnother(opened: OpenedStore): Promise<AccessStore> {
        if (!opened.openAnother) throw new Error("the backend gave no openAnother");
        const other = await opened.openAnother();
        cleanups.push(() => other.close());
        return other;
      },
      async versionsOf(store: AccessStore): Promise<StoreVersions> {
        return await store.readVersions();
      },
    };

    describeConfigContract(harness);
    describeVersionsContract(harness);
    describeHandlesContract(harness);
  });
}
