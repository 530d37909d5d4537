import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { test as setup } from "@playwright/test";
import { ADMIN_PASSWORD, ADMIN_STATE_FILE, ADMIN_USER } from "../support/env.js";
import { expectScreen, logInThroughUi } from "../support/ui.js";

setup("log in once as admin through the UI and keep the cookie for the suites", async ({ page }) => {
  await page.goto("/");
  await logInThroughUi(page, ADMIN_USER, ADMIN_PASSWORD);
  await expectScreen(page, "API tokens");
  mkdirSync(dirname(ADMIN_STATE_FILE), { recursive: true });
  await page.context().storageState({ path: ADMIN_STATE_FILE });
});
