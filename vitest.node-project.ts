import { defineProject } from "vitest/config";

// Workspace packages resolve to their TypeScript sources through the "source"
// export condition, so tests never depend on a stale build.
const sourceConditions = ["source", "import", "node", "default"];
// Vitest hands ssr.resolve.conditions to Node as --conditions, which also steer
// require(): with "import" there, CommonJS packages load the ESM build of a dual
// dependency (pg -> pg-pool, express -> router -> is-promise) and break. Vite adds
// import/require per import itself.
const ssrConditions = ["source", "node"];

/** The vitest project of a Node package in this workspace: tests beside the code in src/. */
export function defineNodeProject() {
  return defineProject({
    resolve: { conditions: sourceConditions },
    ssr: { resolve: { conditions: ssrConditions, externalConditions: ["source"] } },
    test: {
      environment: "node",
      include: ["src/**/*.test.ts"],
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  });
}
