import { defineProject } from "vitest/config";

const sourceConditions = ["source", "import", "node", "default"];
// Vitest hands ssr.resolve.conditions to Node as --conditions, which also steer
// require(): with "import" there, CommonJS packages load the ESM build of a dual
// dependency (pg -> pg-pool, express -> router -> is-promise) and break. Vite adds
// import/require per import itself. Same fix as packages/auth-core/vitest.config.ts.
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
