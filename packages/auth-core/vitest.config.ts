import { defineProject } from "vitest/config";

const sourceConditions = ["source", "import", "node", "default"];
// Vitest hands ssr.resolve.conditions to Node as --conditions, which also steer
// require(): with "import" there, CommonJS packages such as pg load the ESM build
// of a dual dependency (pg-pool) and break. Vite adds import/require per import.
const ssrConditions = ["source", "node"];

export default defineProject({
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: ssrConditions, externalConditions: ["source"] } },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
