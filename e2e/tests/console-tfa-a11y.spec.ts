/**
 * Issue 12 with issue 18's bar: the second login step offers every kind the user
 * has, its forms announce errors and move focus to the first invalid field, and
 * axe-core (WCAG 2.2 AA) finds nothing on the step, the Two-factor screen (the
 * user's and the admin's) and its dialogs. Desktop and phone project.
 */
import { expect, test } from "@playwright/test";
import { openApiSession, type ApiSession } from "../support/api.js";
import { expectNoAxeViolations } from "../support/axe.js";
import { ADMIN_PASSWORD, ADMIN_USER } from "../support/env.js";
import {
  addRecoveryKeysByApi,
  addTotpByApi,
  asUser,
  expectSecondFactorStep,
  expectSignedIn,
  logOut,
  openTwoFactorScreen,
} from "../support/tfa.js";
import { logInThroughUi, uniqueName } from "../support/ui.js";

test.use({ storageState: { cookies: [], origins: [] } });

const USER_PASSWORD = "tfa-a11y-password-1";
let admin: ApiSession;
const userName = uniqueName("tfa-a11y");
const userid = `${userName}@pbs`;
let recoveryKeys: string[] = [];

test.beforeAll(async () => {
  admin = await openApiSession();
  await admin.api.createUser({ userid, password: USER_PASSWORD, comment: "e2e second factors, accessibility" });
  recoveryKeys = await asUser(userid, USER_PASSWORD, async (api) => {
    const keys = await addRecoveryKeysByApi(api, userid, USER_PASSWORD);
    await addTotpByApi(api, userid, USER_PASSWORD);
    return keys;
  });
});

test.afterAll(async () => {
  await admin.api.deleteUser(userid);
  await admin.dispose();
});

test("the second step offers every configured kind, announces a missing answer, and passes axe", async ({ page }, testInfo) => {
  await page.goto("/");
  await logInThroughUi(page, userName, USER_PASSWORD);
  await expectSecondFactorStep(page);
  const kinds = page.getByRole("group", { name: "Verify with" });
  await expect(kinds.getByRole("radio")).toHaveCount(2);
  await expect(kinds.getByRole("radio", { name: "Authenticator app code" })).toBeChecked();
  await expectNoAxeViolations(page, testInfo, "second step, TOTP");

  await kinds.getByRole("radio", { name: "Recovery key" }).check();
  const keyField = page.getByRole("textbox", { name: "Recovery key" });
  await expect(keyField).toHaveAccessibleDescription(/10 recovery keys left/);
  await page.getByRole("button", { name: "Verify" }).click();
  // Focus goes to the invalid field, whose message is its description.
  await expect(keyField).toBeFocused();
  await expect(keyField).toHaveAttribute("aria-invalid", "true");
  await expect(keyField).toHaveAccessibleDescription(/Enter one of your recovery keys/);
  await expectNoAxeViolations(page, testInfo, "second step, recovery key missing");

  await keyField.fill(recoveryKeys[0] ?? "");
  await page.getByRole("button", { name: "Verify" }).click();
  await expectSignedIn(page, "API tokens");
});

test("the Two-factor screen and its dialogs pass axe; an empty enrolment form focuses its first invalid field", async ({
  page,
}, testInfo) => {
  await page.goto("/");
  await logInThroughUi(page, ADMIN_USER, ADMIN_PASSWORD);
  await expectSignedIn(page, "API tokens");
  await openTwoFactorScreen(page);
  await expect(page.getByRole("table", { name: "Every user's second factors" })).toBeVisible();
  await expect(page.getByRole("row", { name: new RegExp(userName) })).toContainText("1 authenticator app");
  await expectNoAxeViolations(page, testInfo, "Two-factor screen, admin");

  await page.getByRole("button", { name: "Add authenticator app" }).click();
  const totpDialog = page.getByRole("dialog", { name: "Add authenticator app" });
  await expect(totpDialog.getByRole("img", { name: /QR code/ })).toBeVisible();
  await expectNoAxeViolations(page, testInfo, "Add authenticator app dialog");
  await totpDialog.getByRole("button", { name: "Add authenticator app" }).click();
  const code = totpDialog.getByLabel("Code from the app");
  await expect(code).toBeFocused();
  await expect(code).toHaveAccessibleDescription(/Enter the 6-digit code/);
  await expect(totpDialog.getByLabel("Your password")).toHaveAttribute("aria-invalid", "true");
  await expectNoAxeViolations(page, testInfo, "Add authenticator app dialog, errors");
  await totpDialog.getByRole("button", { name: "Cancel" }).click();

  for (const [opener, title] of [
    ["Add security key", "Add security key"],
    ["Generate recovery keys", "Generate recovery keys"],
  ] as const) {
    await page.getByRole("button", { name: opener, exact: true }).click();
    const dialog = page.getByRole("dialog", { name: title });
    await expect(dialog).toBeVisible();
    await expectNoAxeViolations(page, testInfo, `${title} dialog`);
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect(dialog).toHaveCount(0);
  }

  await page.getByRole("button", { name: `Second factors of ${userid}` }).click();
  const factors = page.getByRole("dialog", { name: `Second factors of ${userid}` });
  await expect(factors.getByRole("row", { name: /Recovery keys/ })).toBeVisible();
  await expectNoAxeViolations(page, testInfo, "another user's factors dialog");
  await factors.getByRole("button", { name: "Close", exact: true }).click();
  await logOut(page);
});
