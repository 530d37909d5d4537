/**
 * Screenshots of every main screen as artefacts for review (test-results/screenshots),
 * at desktop and 360 px phone size, in light and dark mode (issue 18). They are never
 * compared pixel by pixel: fonts and timestamps differ between machines. What must
 * hold is asserted instead: nothing scrolls sideways, Log out is on screen, and every
 * dialog lies inside the viewport, the phone's re-login dialog included.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { expect, test, type Locator, type Page, type TestInfo } from "@playwright/test";
import { openApiSession, type ApiSession } from "../support/api.js";
import { ADMIN_USERID, REPO_ROOT } from "../support/env.js";
import { expectInsideViewport, expectNoSidewaysScroll } from "../support/layout.js";
import { openSettledConsole, tamperTicketCookie } from "../support/session.js";
import { expectScreen, uniqueName } from "../support/ui.js";

const SCREENSHOT_DIR = join(REPO_ROOT, "test-results", "screenshots");

const VARIANTS = [
  { name: "desktop", colorScheme: "light", device: { viewport: { width: 1280, height: 800 } } },
  { name: "desktop-dark", colorScheme: "dark", device: { viewport: { width: 1280, height: 800 } } },
  {
    name: "phone",
    colorScheme: "light",
    device: { viewport: { width: 360, height: 780 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
  },
  {
    name: "phone-dark",
    colorScheme: "dark",
    device: { viewport: { width: 360, height: 780 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
  },
] as const;

let admin: ApiSession;
/** A row with a long comment, so the list screenshots show a realistic row. */
const tokenName = uniqueName("shot");

test.beforeAll(async () => {
  admin = await openApiSession();
  await admin.api.createToken(ADMIN_USERID, tokenName, { comment: "nightly backup of the build cache to the offsite datastore" });
});

test.afterAll(async () => {
  await admin.api.deleteToken(ADMIN_USERID, tokenName);
  await admin.dispose();
});

async function capture(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: "image/png" });
}

/** The facts every signed-in screen must show before its picture is worth taking. */
async function expectSoundScreen(page: Page): Promise<void> {
  await expectNoSidewaysScroll(page);
  await expect(page.getByRole("button", { name: "Log out" })).toBeInViewport();
}

async function expectSoundDialog(page: Page, dialog: Locator): Promise<void> {
  await expect(dialog).toBeVisible();
  expectInsideViewport(page, await dialog.boundingBox());
  await expectNoSidewaysScroll(page);
}

for (const variant of VARIANTS) {
  test.describe(`screenshots, ${variant.name}`, () => {
    test.use({ ...variant.device, colorScheme: variant.colorScheme });

    test.describe("signed out", () => {
      test.use({ storageState: { cookies: [], origins: [] } });

      test("login screen", async ({ page }, testInfo) => {
        await page.goto("/");
        await expect(page.getByRole("button", { name: "Log in" })).toBeVisible();
        await expect(page.getByLabel("User name")).toBeVisible();
        await expectNoSidewaysScroll(page);
        await capture(page, testInfo, `${variant.name}-login`);
      });
    });

    test("every screen and the add dialogs", async ({ page }, testInfo) => {
      // The server's strict CSP (no inline script or style blocks) must not block anything.
      const violations: string[] = [];
      page.on("console", (message) => {
        if (message.text().includes("Content Security Policy")) violations.push(message.text());
      });
      await page.goto("/");
      await expectScreen(page, "API tokens");
      // Other suites' tokens may fill the first page; the search brings this one up.
      await page.getByLabel("Search").fill(tokenName);
      await expect(page.getByRole("rowheader", { name: `${ADMIN_USERID}!${tokenName}` })).toBeVisible();
      await expectSoundScreen(page);
      await capture(page, testInfo, `${variant.name}-tokens`);

      await page.getByRole("button", { name: "Add token" }).click();
      await expectSoundDialog(page, page.getByRole("dialog", { name: "Add API token" }));
      await capture(page, testInfo, `${variant.name}-tokens-add-dialog`);
      await page.keyboard.press("Escape");

      await page.getByRole("link", { name: "Users" }).click();
      await expectScreen(page, "Users");
      await expect(page.getByRole("table")).toBeVisible();
      await expectSoundScreen(page);
      await capture(page, testInfo, `${variant.name}-users`);

      await page.getByRole("button", { name: "Add user" }).click();
      await expectSoundDialog(page, page.getByRole("dialog", { name: "Add user" }));
      await capture(page, testInfo, `${variant.name}-users-add-dialog`);
      await page.keyboard.press("Escape");

      await page.getByRole("link", { name: "Permissions" }).click();
      await expectScreen(page, "Permissions");
      await expect(page.getByRole("table")).toBeVisible();
      await expectSoundScreen(page);
      await capture(page, testInfo, `${variant.name}-permissions`);

      await page.getByRole("link", { name: "Two-factor" }).click();
      await expectScreen(page, "Two-factor");
      await expect(page.getByRole("button", { name: "Add authenticator app" })).toBeVisible();
      await expectSoundScreen(page);
      await capture(page, testInfo, `${variant.name}-two-factor`);

      await page.getByRole("link", { name: "Audit log" }).click();
      await expectScreen(page, "Audit log");
      await expect(page.getByRole("table")).toBeVisible();
      await expectSoundScreen(page);
      await capture(page, testInfo, `${variant.name}-audit`);
      expect(violations).toEqual([]);
    });

    test("the re-login dialog of a session that ended", async ({ page, context }, testInfo) => {
      await openSettledConsole(page, "/", "API tokens");
      await tamperTicketCookie(context);
      await page.getByRole("link", { name: "Users" }).click();
      const relogin = page.getByRole("dialog", { name: "Session ended" });
      await expectSoundDialog(page, relogin);
      await expect(relogin.getByRole("button", { name: "Log in again" })).toBeInViewport();
      await expect(relogin.getByRole("button", { name: "Log out instead" })).toBeInViewport();
      await capture(page, testInfo, `${variant.name}-session-ended`);
    });
  });
}
