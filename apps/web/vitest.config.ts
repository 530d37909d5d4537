import { defineProject } from "vitest/config";

// The SPA's tests run in Node: the logic tests (api client, session, validation,
// routes) need fetch/Response/atob, which Node 20 has, and component tests render to
// static markup with react-dom/server, so no DOM library is needed.
export default defineProject({
  test: {
    name: "web",
    environment: "node",
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
