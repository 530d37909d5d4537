import { defineConfig } from "vitest/config";

// Each project brings its own config (vitest.node-project.ts for the Node packages).
export default defineConfig({
  test: {
    projects: ["packages/auth-core", "packages/client", "apps/bff", "apps/web"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
