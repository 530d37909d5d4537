import { defineProject } from "vitest/config";

// The SPA's logic tests (api client, session, validation, routes) run in Node: they
// need fetch/Response/atob, which Node 20 has, and no DOM rendering.
export default defineProject({
  test: {
    name: "web",
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
