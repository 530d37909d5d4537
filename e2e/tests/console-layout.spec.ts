/**
 * Issue 18, narrow windows: at 360 px (the phone project) and at desktop size nothing
 * scrolls sideways, Log out stays on screen, rows are readable and dialogs fit.
 */
import { expect, test } from "@playwright/test";
import { openApiSession, type ApiSession } from "../support/api.js";
import { ADMIN_USERID } from "../support/env.js";
import { expectInsideViewport, expectNoSidewaysScroll } from "../support/layout.js";
import { expectScreen, uniqueName } from "../support/ui.js";

let admin: ApiSession;
const tokenName = uniqueName("layout");

test.beforeAll(async () => {
  admin = await openApiSession();
  // A long comment: the one that once shrank to a letter per line.
  await admin.api.createToken(ADMIN_USERID, tokenName, { comment: "nightly backup of the build cache to the offsite datastore" });
});

test.afterAll(async () => {
  await admin.api.deleteToken(ADMIN_USERID, tokenName);
  await admin.dispose();
});

for (const [path, title] of [
  ["/", "API tokens"],
  ["/users", "Users"],
  ["/permissions", "Permissions"],
] as const) {
  test(`${title}: no sideways scrolling, Log out on screen, rows no taller than they need`, async ({ page }) => {
    await page.goto(path);
    await expectScreen(page, title);
    await expect(page.getByRole("table")).toBeVisible();
    await expectNoSidewaysScroll(page);
    await expect(page.getByRole("button", { name: "Log out" })).toBeInViewport();
    // The Comment column once shrank to a letter per line (a 560 px row at 390 px).
    const firstRow = page.getByRole("row").nth(1);
    const height = (await firstRow.boundingBox())?.height ?? 0;
    expect(height).toBeGreaterThan(0);
    expect(height).toBeLessThan(400);
  });
}

test("the Add-token dialog fits inside the viewport", async ({ page }) => {
  await page.goto("/");
  await expectScreen(page, "API tokens");
  await page.getByRole("button", { name: "Add token" }).click();
  const dialog = page.getByRole("dialog", { name: "Add API token" });
  await expect(dialog).toBeVisible();
  expectInsideViewport(page, await dialog.boundingBox());
  await expectNoSidewaysScroll(page);
});
