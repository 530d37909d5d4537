import { expect, test } from "@playwright/test";
import { fetchVersionStatusWithToken, openApiSession } from "../support/api.js";
import { ADMIN_PASSWORD } from "../support/env.js";
import { expectScreen, uniqueName } from "../support/ui.js";

test("users: add, edit, change password and delete with its tokens", async ({ page }) => {
  const name = uniqueName("alice");
  const userid = `${name}@pbs`;
  await page.goto("/users");
  await expectScreen(page, "Users");

  await page.getByRole("button", { name: "Add user" }).click();
  const add = page.getByRole("dialog", { name: "Add user" });
  await add.getByLabel("User ID").fill("no-realm");
  await add.getByRole("button", { name: "Add user" }).click();
  await expect(add.getByText(/name@realm/).first()).toBeVisible();
  await add.getByLabel("User ID").fill(userid);
  await add.getByLabel("Password", { exact: true }).fill("first-password-1");
  await add.getByLabel("Confirm password").fill("first-password-1");
  await add.getByLabel("First name").fill("Alice");
  await add.getByLabel("Email").fill("alice@example.com");
  await add.getByRole("button", { name: "Add user" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  const row = page.getByRole("row", { name: new RegExp(name) });
  await expect(row).toContainText("alice@example.com");

  await page.getByRole("button", { name: `Edit ${userid}` }).click();
  const edit = page.getByRole("dialog", { name: `Edit user ${userid}` });
  await edit.getByLabel("Last name").fill("Liddell");
  await edit.getByLabel("Comment").fill("edited in e2e");
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(row).toContainText("Alice Liddell");
  await expect(row).toContainText("edited in e2e");

  await page.getByRole("button", { name: `Change password of ${userid}` }).click();
  const password = page.getByRole("dialog", { name: `Change password of ${userid}` });
  await password.getByLabel("New password", { exact: true }).fill("second-password-2");
  await password.getByLabel("Confirm new password").fill("second-password-2");
  // PBS's API asks the logged-in admin for its own password before a change.
  await password.getByLabel("Your current password").fill(ADMIN_PASSWORD);
  await password.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  const asAlice = await openApiSession(userid, "second-password-2");
  const created = await asAlice.api.createToken(userid, "script");
  await asAlice.dispose();
  expect(await fetchVersionStatusWithToken(created.tokenid, created.value)).toBe(200);

  await page.getByRole("link", { name: "API tokens" }).click();
  await expect(page.getByRole("row", { name: new RegExp(`${name}@pbs!script`) })).toBeVisible();
  await page.getByRole("link", { name: "Users" }).click();

  await page.getByRole("button", { name: `Delete ${userid}` }).click();
  const confirm = page.getByRole("alertdialog", { name: "Delete user?" });
  await expect(confirm).toContainText("All API tokens of this user are deleted with it");
  await confirm.getByRole("button", { name: "Delete user" }).click();
  await expect(row).toHaveCount(0);
  expect(await fetchVersionStatusWithToken(created.tokenid, created.value)).toBe(401);

  // The token list was refreshed by invalidation, not by a reload.
  await page.getByRole("link", { name: "API tokens" }).click();
  await expect(page.getByRole("row", { name: new RegExp(`${name}@pbs!script`) })).toHaveCount(0);
});
