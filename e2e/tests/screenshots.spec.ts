import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { REPO_ROOT } from "../support/env.js";
import { expectScreen } from "../support/ui.js";

const SCREENSHOT_DIR = join(REPO_ROOT, "test-results", "screenshots");

async function capture(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: "image/png" });
}

test.describe("screenshots of the main screens", () => {
  test.use({ viewport: { width: 1280, height: 800 } });

  test("login screen", async ({ browser }, testInfo) => {
    const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
    const page = await context.newPage();
    try {
      await page.goto("/");
      await expect(page.getByRole("button", { name: "Log in" })).toBeVisible();
      await expect(page.getByLabel("User name")).toBeVisible();
      await capture(page, testInfo, "login");
    } finally {
      await context.close();
    }
  });

  test("API tokens, users and permissions screens", async ({ page }, testInfo) => {
    // The server's strict CSP (no inline script or style blocks) must not block anything.
    const violations: string[] = [];
    page.on("console", (message) => {
      if (message.text().includes("Content Security Policy")) violations.push(message.text());
    });
    await page.goto("/");
    await expectScreen(page, "API tokens");
    await expect(page.getByRole("table").or(page.getByText("No API tokens yet"))).toBeVisible();
    await capture(page, testInfo, "tokens");

    await page.getByRole("button", { name: "Add token" }).click();
    await expect(page.getByRole("dialog", { name: "Add API token" })).toBeVisible();
    await capture(page, testInfo, "tokens-add-dialog");
    await page.keyboard.press("Escape");

    await page.getByRole("link", { name: "Users" }).click();
    await expectScreen(page, "Users");
    await expect(page.getByRole("table")).toBeVisible();
    await capture(page, testInfo, "users");

    await page.getByRole("link", { name: "Permissions" }).click();
    await expectScreen(page, "Permissions");
    await expect(page.getByRole("table")).toBeVisible();
    await capture(page, testInfo, "permissions");
    expect(violations).toEqual([]);
  });
});
