/**
 * "@gatehouse/auth-core/testing": what other packages' tests need to drive auth-core
 * without argon2 or a real backend. Test code only: the entry has no compiled
 * JavaScript in dist/, so production code cannot import it.
 */
export { FakeHasher, computeFakeHash, isFakeHash, type FakeHasherOptions } from "../test-support/fake-hasher.js";
export {
  MemoryAccessStore,
  MemoryBackend,
  type MemoryAccessStoreOptions,
  type MemoryStoreReadCounts,
} from "../test-support/memory-store.js";
export { describeAccessStoreContract, type OpenedStore } from "../test-support/store-contract.js";
export {
  TEST_DATABASE_URL,
  createTestSchemaName,
  describeWithPostgres,
  dropTestSchema,
  probePostgres,
  runAdminQuery,
  type PostgresAvailability,
} from "../test-support/postgres-test-database.js";
