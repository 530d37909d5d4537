import { defaultClientConditions } from "vite";
import { defineProject } from "vitest/config";

// The SPA's logic tests run in Node (fetch/Response/atob are there). Component tests
// that interact (React Testing Library, role-based queries) opt into jsdom per file
// with `// @vitest-environment jsdom` and import src/test-support/dom.ts for what
// jsdom lacks.
export default defineProject({
  // Workspace packages (auth-core's field limits, the client) resolve to their TypeScript sources.
  resolve: { conditions: ["source", ...defaultClientConditions] },
  test: {
    name: "web",
    environment: "node",
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
