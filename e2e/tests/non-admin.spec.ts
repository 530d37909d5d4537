import { expect, test } from "@playwright/test";
import { openApiSession, type ApiSession } from "../support/api.js";
import { ADMIN_USERID } from "../support/env.js";
import { expectScreen, logInThroughUi, uniqueName } from "../support/ui.js";

test.use({ storageState: { cookies: [], origins: [] } });

let admin: ApiSession;
const viewerName = uniqueName("viewer");
const viewerId = `${viewerName}@pbs`;
const viewerPassword = "viewer-e2e-password-1";
const adminTokenName = uniqueName("admin-only");

test.beforeAll(async () => {
  admin = await openApiSession();
  await admin.api.createUser({ userid: viewerId, password: viewerPassword, comment: "e2e viewer" });
  await admin.api.createToken(viewerId, "own", { comment: "viewer's own" });
  await admin.api.createToken(ADMIN_USERID, adminTokenName);
});

test.afterAll(async () => {
  await admin.api.deleteToken(ADMIN_USERID, adminTokenName);
  await admin.api.deleteUser(viewerId);
  await admin.dispose();
});

test("a user without ACL entries sees only its own account and tokens, and changes are refused inline", async ({ page }) => {
  await page.goto("/");
  await logInThroughUi(page, viewerName, viewerPassword);
  await expectScreen(page, "API tokens");
  await expect(page.getByRole("row", { name: new RegExp(`${viewerId}!own`.replace(/[.!]/g, "\\$&")) })).toBeVisible();
  await expect(page.getByRole("row", { name: new RegExp(adminTokenName) })).toHaveCount(0);
  await expect(page.getByText(ADMIN_USERID)).toHaveCount(0);

  await page.getByRole("link", { name: "Users" }).click();
  await expectScreen(page, "Users");
  await expect(page.getByRole("row", { name: /admin@pbs/ })).toHaveCount(0);

  await page.getByRole("button", { name: "Add user" }).click();
  const dialog = page.getByRole("dialog", { name: "Add user" });
  await dialog.getByLabel("User ID").fill(`${uniqueName("sneaky")}@pbs`);
  await dialog.getByRole("button", { name: "Add user" }).click();
  await expect(dialog.getByRole("alert")).toContainText("Permission denied");
  await dialog.getByRole("button", { name: "Cancel" }).click();

  await page.getByRole("link", { name: "Permissions" }).click();
  await expectScreen(page, "Permissions");
  await expect(page.getByRole("row", { name: /admin@pbs/ })).toHaveCount(0);
});

test("an Audit entry lets the user see every account but still not change them", async ({ page }) => {
  await admin.api.updateAcl({ path: "/", role: "Audit", "auth-id": viewerId, propagate: true });
  try {
    await page.goto("/users");
    await logInThroughUi(page, viewerName, viewerPassword);
    await expectScreen(page, "Users");
    await expect(page.getByRole("row", { name: /admin@pbs/ })).toBeVisible();
    await expect(page.getByRole("row", { name: new RegExp(viewerName) })).toBeVisible();

    await page.getByRole("button", { name: `Delete ${ADMIN_USERID}` }).click();
    const confirm = page.getByRole("alertdialog", { name: "Delete user?" });
    await confirm.getByRole("button", { name: "Delete user" }).click();
    await expect(confirm.getByRole("alert")).toContainText("Permission denied");
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await expect(page.getByRole("row", { name: /admin@pbs/ })).toBeVisible();
  } finally {
    await admin.api.updateAcl({ path: "/", role: "Audit", "auth-id": viewerId, delete: true });
  }
});
