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

  // The console reads the caller's rights: Add user is disabled and says why (issue 18).
  const addUser = page.getByRole("button", { name: "Add user" });
  await expect(addUser).toHaveAttribute("aria-disabled", "true");
  await expect(addUser).toHaveAccessibleDescription(/Permissions\.Modify on \/access\/users/);

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

    // Read-only: Delete stays visible but disabled, with the reason as its description.
    const remove = page.getByRole("button", { name: `Delete ${ADMIN_USERID}` });
    await expect(remove).toHaveAttribute("aria-disabled", "true");
    await expect(remove).toHaveAccessibleDescription(/Permissions\.Modify on \/access\/users to delete users/);
    await remove.dispatchEvent("click");
    await expect(page.getByRole("alertdialog")).toHaveCount(0);
    await expect(page.getByRole("row", { name: /admin@pbs/ })).toBeVisible();
  } finally {
    await admin.api.updateAcl({ path: "/", role: "Audit", "auth-id": viewerId, delete: true });
  }
});
