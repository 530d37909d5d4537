import { defaultClientConditions, defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The bff serves dist/ at `/` under a CSP without 'unsafe-inline', so the build must
// emit only external scripts and stylesheets (Vite does; the e2e suites run under
// the real CSP and would fail on an inline block).
export default defineConfig({
  plugins: [react()],
  // Workspace packages (auth-core's field limits) are bundled from their TypeScript
  // sources, as the tests read them (decision 005).
  resolve: { conditions: ["source", ...defaultClientConditions] },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // The server publishes everything in dist/: no maps of the console's source there.
    // The dev server (`pnpm --filter @gatehouse/web dev`) still has them.
    sourcemap: false,
  },
  server: {
    // `pnpm --filter @gatehouse/web dev` against a locally running server.
    proxy: {
      "/api2": { target: "https://127.0.0.1:8007", secure: false, changeOrigin: true },
    },
  },
});
