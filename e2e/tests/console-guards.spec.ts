/**
 * Issue 18, self-lockout guards: deleting your own account or removing your own
 * Admin entry needs your user id typed first. Runs in the desktop and phone project.
 * Both tests cancel at the end: the suites go on as admin@pbs.
 */
import { expect, test, type Page } from "@playwright/test";
import { ADMIN_USERID } from "../support/env.js";
import { expectScreen } from "../support/ui.js";

function countWrites(page: Page): () => number {
  let writes = 0;
  page.on("request", (request) => {
    if (request.method() !== "GET" && !request.url().endsWith("/access/ticket")) writes += 1;
  });
  return () => writes;
}

test("deleting your own account needs your user id typed; the confirm button explains why it waits", async ({ page }) => {
  const writes = countWrites(page);
  await page.goto("/users");
  await expectScreen(page, "Users");
  await page.getByLabel("Search").fill(ADMIN_USERID);
  await page.getByRole("button", { name: `Delete ${ADMIN_USERID}` }).click();
  const confirm = page.getByRole("alertdialog", { name: "Delete user?" });
  await expect(confirm).toContainText("your own account");
  const button = confirm.getByRole("button", { name: "Delete user" });
  await expect(button).toHaveAttribute("aria-disabled", "true");
  await expect(button).toHaveAccessibleDescription(`Type ${ADMIN_USERID} first.`);
  await button.dispatchEvent("click");
  await confirm.getByLabel(`Type ${ADMIN_USERID} to confirm`).fill("admin@pb");
  await button.dispatchEvent("click");
  await expect(confirm).toBeVisible();
  expect(writes()).toBe(0);
  await confirm.getByLabel(`Type ${ADMIN_USERID} to confirm`).fill(ADMIN_USERID);
  await expect(button).not.toHaveAttribute("aria-disabled", "true");
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(confirm).toHaveCount(0);
  expect(writes()).toBe(0);
});

test("removing your own Admin entry needs your user id typed", async ({ page }) => {
  const writes = countWrites(page);
  await page.goto("/permissions");
  await expectScreen(page, "Permissions");
  await page.getByRole("button", { name: `Remove Admin for ${ADMIN_USERID} on /` }).click();
  const confirm = page.getByRole("alertdialog", { name: "Remove permission?" });
  await expect(confirm).toContainText("your own Admin entry");
  const button = confirm.getByRole("button", { name: "Remove permission" });
  await button.dispatchEvent("click");
  await expect(confirm).toBeVisible();
  expect(writes()).toBe(0);
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(confirm).toHaveCount(0);
});
