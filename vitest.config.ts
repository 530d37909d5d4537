import { defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript sources through the "source"
// export condition, so tests never depend on a stale build.
const sourceConditions = ["source", "import", "node", "default"];

export default defineConfig({
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: sourceConditions, externalConditions: ["source"] } },
  test: {
    projects: ["packages/auth-core", "apps/bff", "apps/web"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
