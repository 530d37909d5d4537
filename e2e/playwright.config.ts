import { join } from "node:path";
import { defineConfig } from "@playwright/test";
import {
  ADMIN_PASSWORD,
  ADMIN_STATE_FILE,
  BASE_URL,
  PORT,
  REPO_ROOT,
  resolveDataDir,
  WEBAUTHN_BASE_URL,
  WEBAUTHN_RP_ID,
} from "./support/env.js";

const dataDir = resolveDataDir();

const DESKTOP_VIEWPORT = { width: 1366, height: 768 };
const PHONE = { viewport: { width: 360, height: 780 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

// Debian's Chromium: Playwright cannot download its own browser on this machine.
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--no-first-run",
];

export default defineConfig({
  testDir: "./tests",
  outputDir: join(REPO_ROOT, "test-results", "e2e"),
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  // Two cores are shared with the server and everything else.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["json", { outputFile: join(REPO_ROOT, "test-results", "e2e-results.json") }]],
  use: {
    baseURL: BASE_URL,
    ignoreHTTPSErrors: true,
    trace: "on-first-retry",
    screenshot: "only-on-failure",
    browserName: "chromium",
    launchOptions: { executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS },
  },
  projects: [
    { name: "setup", testMatch: /.*\.setup\.ts/ },
    {
      name: "chromium",
      testMatch: /.*\.spec\.ts/,
      dependencies: ["setup"],
      use: { storageState: ADMIN_STATE_FILE, viewport: DESKTOP_VIEWPORT },
    },
    {
      // The console suites (issue 18) again on a narrow phone: every finding is
      // pinned at both sizes. 360 px is the narrowest width the console supports.
      name: "phone",
      testMatch: /console-.*\.spec\.ts/,
      dependencies: ["setup"],
      use: { storageState: ADMIN_STATE_FILE, ...PHONE },
    },
  ],
  webServer: {
    command: "node apps/bff/dist/main.js",
    cwd: REPO_ROOT,
    url: `${BASE_URL}/api2/json/access/domains`,
    ignoreHTTPSErrors: true,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_PORT: String(PORT),
      GATEHOUSE_HOST: "127.0.0.1",
      GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      // Stated, though they are the defaults for 127.0.0.1: the WebAuthn suite depends on them.
      GATEHOUSE_WEBAUTHN_RP_ID: WEBAUTHN_RP_ID,
      GATEHOUSE_WEBAUTHN_ORIGIN: WEBAUTHN_BASE_URL,
    },
  },
});
