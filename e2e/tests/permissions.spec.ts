import { expect, test } from "@playwright/test";
import { openApiSession } from "../support/api.js";
import { ADMIN_USERID } from "../support/env.js";
import { expectScreen, uniqueName } from "../support/ui.js";

test("permissions: add an ACL entry for a token, see its effect, remove it", async ({ page }) => {
  const name = uniqueName("audit");
  const tokenid = `${ADMIN_USERID}!${name}`;
  const admin = await openApiSession();
  await admin.api.createToken(ADMIN_USERID, name);
  try {
    await page.goto("/permissions");
    await expectScreen(page, "Permissions");
    await expect(page.getByRole("row", { name: /admin@pbs/ }).first()).toBeVisible();

    await page.getByRole("button", { name: "Add permission" }).click();
    const add = page.getByRole("dialog", { name: "Add permission" });
    await add.getByLabel("Path").fill("system");
    await add.getByLabel("User or token").fill(tokenid);
    await add.getByRole("button", { name: "Add permission" }).click();
    await expect(add.getByText(/A path starts with/)).toBeVisible();
    await add.getByLabel("Path").fill("/system");
    await add.getByLabel("Role").selectOption("Audit");
    await add.getByRole("button", { name: "Add permission" }).click();
    await expect(page.getByRole("dialog")).toHaveCount(0);
    const row = page.getByRole("row", { name: new RegExp(name) });
    await expect(row).toContainText("Audit");
    await expect(row).toContainText("token");

    await page.getByRole("link", { name: "API tokens" }).click();
    await page.getByRole("button", { name: `Show permissions of ${tokenid}` }).click();
    const dialog = page.getByRole("dialog", { name: `Permissions of ${tokenid}` });
    await expect(dialog.getByRole("row", { name: /\/system.*Sys\.Audit/ })).toBeVisible();
    await dialog.getByRole("button", { name: "Close", exact: true }).click();

    await page.getByRole("link", { name: "Permissions" }).click();
    await page.getByRole("button", { name: `Remove Audit for ${tokenid} on /system` }).click();
    await page.getByRole("alertdialog", { name: "Remove permission?" }).getByRole("button", { name: "Remove permission" }).click();
    await expect(row).toHaveCount(0);
  } finally {
    await admin.api.deleteToken(ADMIN_USERID, name);
    await admin.dispose();
  }
});
