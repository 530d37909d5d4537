/**
 * Issue 18, rights-aware console: the console reads the caller's own permissions
 * (GET /access/permissions) and disables what the server would refuse, saying why in
 * a tooltip that is also the button's accessible description. The server stays the
 * authority; a 403 refetches every cached list. Runs at desktop and phone size.
 */
import { expect, test, type Page } from "@playwright/test";
import { openApiSession, type ApiSession } from "../support/api.js";
import { ADMIN_USERID } from "../support/env.js";
import { expectLoginPage, expectScreen, logInThroughUi, rowWith, uniqueName } from "../support/ui.js";

test.use({ storageState: { cookies: [], origins: [] } });

let admin: ApiSession;
const auditorName = uniqueName("auditor");
const auditorId = `${auditorName}@pbs`;
const password = "rights-e2e-password-1";
const adminTokenName = uniqueName("admins");

test.beforeAll(async () => {
  admin = await openApiSession();
  await admin.api.createUser({ userid: auditorId, password, comment: "e2e auditor" });
  await admin.api.createToken(auditorId, "own");
  await admin.api.createToken(ADMIN_USERID, adminTokenName);
  await admin.api.updateAcl({ path: "/", role: "Audit", "auth-id": auditorId, propagate: true });
});

test.afterAll(async () => {
  await admin.api.deleteToken(ADMIN_USERID, adminTokenName);
  await admin.api.deleteUser(auditorId);
  await admin.dispose();
});

async function expectRefused(page: Page, name: string, reason: RegExp): Promise<void> {
  const button = page.getByRole("button", { name });
  await expect(button).toHaveAttribute("aria-disabled", "true");
  await expect(button).toHaveAccessibleDescription(reason);
  // A click does nothing: no dialog opens, no request is sent.
  await button.dispatchEvent("click");
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await expect(page.getByRole("alertdialog")).toHaveCount(0);
}

test("a read-only (Audit) user sees another user's token actions disabled with the reason, its own enabled", async ({ page }) => {
  await page.goto("/");
  await logInThroughUi(page, auditorName, password);
  await expectScreen(page, "API tokens");
  const adminTokenId = `${ADMIN_USERID}!${adminTokenName}`;
  await page.getByLabel("Search").fill(adminTokenName);
  await expect(rowWith(page, adminTokenId)).toBeVisible();
  for (const action of ["Edit", "Regenerate secret of", "Remove"]) {
    await expectRefused(page, `${action} ${adminTokenId}`, /Permissions\.Modify on \/access\/users to manage another user's tokens/);
  }
  await page.getByLabel("Search").fill(`${auditorId}!own`);
  const ownEdit = page.getByRole("button", { name: `Edit ${auditorId}!own` });
  await expect(ownEdit).toBeVisible();
  await expect(ownEdit).not.toHaveAttribute("aria-disabled", "true");

  await page.getByRole("link", { name: "Users" }).click();
  await expectScreen(page, "Users");
  await expectRefused(page, "Add user", /to add users/);
  await page.getByLabel("Search").fill(auditorName);
  await expectRefused(page, `Edit ${auditorId}`, /to edit user accounts/);
  await expectRefused(page, `Delete ${auditorId}`, /to delete users/);
  // Its own password and sessions are its own business.
  await expect(page.getByRole("button", { name: `Change password of ${auditorId}` })).not.toHaveAttribute("aria-disabled", "true");
  await expect(page.getByRole("button", { name: `End sessions of ${auditorId}` })).not.toHaveAttribute("aria-disabled", "true");

  await page.getByRole("link", { name: "Permissions" }).click();
  await expectScreen(page, "Permissions");
  await expectRefused(page, `Remove Admin for ${ADMIN_USERID} on /`, /Permissions\.Modify on \/access\/acl/);
});

test("after a 403 the lists are refetched: rights taken away meanwhile show at once", async ({ page }) => {
  const name = uniqueName("demoted");
  const userid = `${name}@pbs`;
  await admin.api.createUser({ userid, password });
  await admin.api.updateAcl({ path: "/access", role: "Admin", "auth-id": userid, propagate: true });
  try {
    await page.goto("/users");
    await logInThroughUi(page, name, password);
    await expectScreen(page, "Users");
    await expect(page.getByRole("row", { name: /admin@pbs/ })).toBeVisible();
    const addUser = page.getByRole("button", { name: "Add user" });
    await expect(addUser).not.toHaveAttribute("aria-disabled", "true");

    // Another admin takes the rights away while the list is on screen.
    await admin.api.updateAcl({ path: "/access", role: "Admin", "auth-id": userid, delete: true });
    await addUser.click();
    const dialog = page.getByRole("dialog", { name: "Add user" });
    await dialog.getByLabel("User ID").fill(`${uniqueName("late")}@pbs`);
    await dialog.getByRole("button", { name: "Add user" }).click();
    // The refusal is shown where the user is looking: in the dialog.
    await expect(dialog.getByRole("alert")).toContainText("Permission denied");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    // The 403 refetched the list and the caller's rights: admin@pbs is gone, Add user disabled.
    await expect(page.getByRole("row", { name: /admin@pbs/ })).toHaveCount(0);
    await expect(addUser).toHaveAttribute("aria-disabled", "true");
  } finally {
    await admin.api.deleteUser(userid);
  }
});

test("disabling your own account needs your user id typed", async ({ page }) => {
  const name = uniqueName("selfoff");
  const userid = `${name}@pbs`;
  await admin.api.createUser({ userid, password });
  await admin.api.updateAcl({ path: "/access", role: "Admin", "auth-id": userid, propagate: true });
  try {
    await page.goto("/users");
    await logInThroughUi(page, name, password);
    await expectScreen(page, "Users");
    await page.getByLabel("Search").fill(name);
    await page.getByRole("button", { name: `Edit ${userid}` }).click();
    const edit = page.getByRole("dialog", { name: `Edit user ${userid}` });
    await edit.getByLabel("Enabled").uncheck();
    await edit.getByRole("button", { name: "Save" }).click();
    const confirm = page.getByRole("alertdialog", { name: "Disable your own account?" });
    const button = confirm.getByRole("button", { name: "Disable my account" });
    await expect(button).toHaveAttribute("aria-disabled", "true");
    await expect(button).toHaveAccessibleDescription(`Type ${userid} first.`);
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await expect(confirm).toHaveCount(0);
    const stored = await admin.api.readUser(userid);
    expect(stored.data.enable ?? true).toBeTruthy();
  } finally {
    await admin.api.deleteUser(userid);
  }
});

test("End all sessions logs the user's sessions out; ending your own logs this console out", async ({ page, browser }) => {
  const name = uniqueName("ender");
  const userid = `${name}@pbs`;
  await admin.api.createUser({ userid, password });
  try {
    // A second browser holds a session of the user.
    const other = await browser.newContext({ storageState: { cookies: [], origins: [] } });
    const otherPage = await other.newPage();
    await otherPage.goto("/");
    await logInThroughUi(otherPage, name, password);
    await expectScreen(otherPage, "API tokens");

    await page.goto("/users");
    await logInThroughUi(page, name, password);
    await expectScreen(page, "Users");
    await page.getByRole("button", { name: `End sessions of ${userid}` }).click();
    const confirm = page.getByRole("alertdialog", { name: "End all sessions?" });
    await expect(confirm).toContainText("this console is logged out too");
    await confirm.getByRole("button", { name: "End all sessions" }).click();
    await expectLoginPage(page);
    await expect(page.getByText("You ended all your sessions")).toBeVisible();

    // The other browser's session is over too: its next call asks for a new login.
    await otherPage.reload();
    await expectLoginPage(otherPage);
    await other.close();
  } finally {
    await admin.api.deleteUser(userid);
  }
});
