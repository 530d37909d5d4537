/**
 * Issue 18's accessibility check on the second-factor screens of issue 12: the login's
 * second step (one kind, a refused code, a choice of every kind the user has, a missing
 * answer), the Two-factor screen as a user and as an admin, and its dialogs (empty and
 * with errors), in light and dark; the phone project runs it at 360 px. Forms announce
 * their errors and move focus to the first invalid field. Each test makes its own user:
 * admin@pbs never gets a factor, or every other suite's login would need one.
 */
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { openApiSession, type ApiSession } from "../support/api.js";
import { expectNoAxeViolations } from "../support/axe.js";
import { ADMIN_PASSWORD, ADMIN_USER } from "../support/env.js";
import {
  addRecoveryKeysByApi,
  addTotpByApi,
  answerTotp,
  asUser,
  expectRefused,
  expectSecondFactorStep,
  expectSignedIn,
  freshCode,
  logOut,
  openTwoFactorScreen,
  wrongCodes,
} from "../support/tfa.js";
import { logInThroughUi, rowWith, uniqueName } from "../support/ui.js";

test.use({ storageState: { cookies: [], origins: [] } });

const USER_PASSWORD = "a11y-tfa-password-1";

let admin: ApiSession;
const createdUsers: string[] = [];

test.beforeAll(async () => {
  admin = await openApiSession();
});

test.afterAll(async () => {
  for (const userid of createdUsers) await admin.api.deleteUser(userid);
  await admin.dispose();
});

/** A user with an authenticator app enrolled through the API, as a script would, and recovery keys if asked. */
async function createUserWithTotp(withRecoveryKeys = false) {
  const name = uniqueName("a11y-tfa");
  const userid = `${name}@pbs`;
  await admin.api.createUser({ userid, password: USER_PASSWORD, comment: "e2e accessibility of second factors" });
  createdUsers.push(userid);
  const enrolled = await asUser(userid, USER_PASSWORD, async (api) => {
    if (withRecoveryKeys) await addRecoveryKeysByApi(api, userid, USER_PASSWORD);
    return addTotpByApi(api, userid, USER_PASSWORD);
  });
  return { name, userid, ...enrolled };
}

async function checkDialogAndCancel(page: Page, testInfo: TestInfo, opener: string, dialogName: string): Promise<void> {
  await page.getByRole("button", { name: opener, exact: true }).click();
  const dialog = page.getByRole("dialog", { name: dialogName });
  await expect(dialog).toBeVisible();
  await expectNoAxeViolations(page, testInfo, `${dialogName} dialog`);
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toHaveCount(0);
}

for (const colorScheme of ["light", "dark"] as const) {
  test.describe(`${colorScheme} mode`, () => {
    test.beforeEach(async ({ page }) => {
      await page.emulateMedia({ colorScheme });
    });

    test("second-factor login step, the user's Two-factor screen and its dialogs", async ({ page }, testInfo) => {
      const user = await createUserWithTotp();
      await page.goto("/");
      await logInThroughUi(page, user.name, USER_PASSWORD);
      await expectSecondFactorStep(page);
      await expectNoAxeViolations(page, testInfo, "second factor, one kind");
      await answerTotp(page, wrongCodes(user.totp, 1)[0] ?? "");
      await expectRefused(page);
      await expectNoAxeViolations(page, testInfo, "second factor, refused");
      await answerTotp(page, freshCode(user.totp, user.usedStep).code);
      await expectSignedIn(page, "API tokens");

      await openTwoFactorScreen(page);
      await expect(page.getByRole("row", { name: /Authenticator app/ })).toBeVisible();
      await expectNoAxeViolations(page, testInfo, "two-factor screen, a user's own");

      await page.getByRole("button", { name: "Add authenticator app" }).click();
      const totpDialog = page.getByRole("dialog", { name: "Add authenticator app" });
      await expect(totpDialog.getByRole("img", { name: /QR code/ })).toBeVisible();
      await expectNoAxeViolations(page, testInfo, "Add authenticator app dialog");
      // Sent empty: focus goes to the first invalid field, whose message is its description.
      await totpDialog.getByRole("button", { name: "Add authenticator app" }).click();
      const code = totpDialog.getByLabel("Code from the app");
      await expect(code).toBeFocused();
      await expect(code).toHaveAccessibleDescription(/Enter the 6-digit code/);
      await expect(totpDialog.getByLabel("Your password")).toHaveAttribute("aria-invalid", "true");
      await expectNoAxeViolations(page, testInfo, "Add authenticator app dialog, errors");
      await totpDialog.getByRole("button", { name: "Cancel" }).click();
      await expect(totpDialog).toHaveCount(0);

      await checkDialogAndCancel(page, testInfo, "Add security key", "Add security key");
      await page.getByRole("button", { name: "Remove authenticator app phone" }).click();
      const remove = page.getByRole("alertdialog", { name: "Remove authenticator app phone?" });
      await expectNoAxeViolations(page, testInfo, "remove a factor");
      await remove.getByRole("button", { name: "Cancel" }).click();

      await page.getByRole("button", { name: "Generate recovery keys" }).click();
      const generate = page.getByRole("dialog", { name: "Generate recovery keys" });
      await expect(generate).toBeVisible();
      await expectNoAxeViolations(page, testInfo, "Generate recovery keys dialog");
      await generate.getByLabel("Your password").fill("not-my-password");
      await generate.getByRole("button", { name: "Generate recovery keys" }).click();
      await expect(generate.getByLabel("Your password")).toHaveAttribute("aria-invalid", "true");
      await expectNoAxeViolations(page, testInfo, "generate recovery keys, wrong password");
      await generate.getByLabel("Your password").fill(USER_PASSWORD);
      await generate.getByRole("button", { name: "Generate recovery keys" }).click();
      const shown = page.getByRole("dialog", { name: "Your recovery keys" });
      const keyItems = shown.getByRole("list", { name: "Recovery keys" }).getByRole("listitem");
      await expect(keyItems).toHaveCount(10);
      const recoveryKey = (await keyItems.first().textContent()) ?? "";
      await expectNoAxeViolations(page, testInfo, "recovery keys shown");
      await shown.getByRole("button", { name: "I have saved the keys" }).click();

      // Two kinds now: the second step offers both, the authenticator app first.
      await logOut(page);
      await logInThroughUi(page, user.name, USER_PASSWORD);
      await expectSecondFactorStep(page);
      const kinds = page.getByRole("group", { name: "Verify with" });
      await expect(kinds.getByRole("radio")).toHaveCount(2);
      await expect(kinds.getByRole("radio", { name: "Authenticator app code" })).toBeChecked();
      await expectNoAxeViolations(page, testInfo, "second factor, a choice of kinds");

      await kinds.getByRole("radio", { name: "Recovery key" }).check();
      const keyField = page.getByRole("textbox", { name: "Recovery key" });
      await expect(keyField).toHaveAccessibleDescription(/10 recovery keys left/);
      await page.getByRole("button", { name: "Verify" }).click();
      await expect(keyField).toBeFocused();
      await expect(keyField).toHaveAttribute("aria-invalid", "true");
      await expect(keyField).toHaveAccessibleDescription(/Enter one of your recovery keys/);
      await expectNoAxeViolations(page, testInfo, "second factor, recovery key missing");
      await keyField.fill(recoveryKey);
      await page.getByRole("button", { name: "Verify" }).click();
      await expectSignedIn(page, "Two-factor");
    });

    test("the admin's Two-factor screen with every user's factors", async ({ page }, testInfo) => {
      const user = await createUserWithTotp(true);
      await page.goto("/");
      await logInThroughUi(page, ADMIN_USER, ADMIN_PASSWORD);
      await expectSignedIn(page, "API tokens");
      await openTwoFactorScreen(page);
      await expect(page.getByRole("table", { name: "Every user's second factors" })).toBeVisible();
      await expect(rowWith(page, user.userid)).toContainText("1 authenticator app");
      await expectNoAxeViolations(page, testInfo, "two-factor screen, an admin's");
      await checkDialogAndCancel(page, testInfo, "Generate recovery keys", "Generate recovery keys");

      await page.getByRole("button", { name: `Second factors of ${user.userid}` }).click();
      const factors = page.getByRole("dialog", { name: `Second factors of ${user.userid}` });
      await expect(factors.getByRole("row", { name: /Authenticator app/ })).toBeVisible();
      await expect(factors.getByRole("row", { name: /Recovery keys/ })).toBeVisible();
      await expectNoAxeViolations(page, testInfo, "a user's factors");
      await page.keyboard.press("Escape");
      await expect(factors).toHaveCount(0);

      await page.getByRole("button", { name: `Unlock ${user.userid}` }).click();
      const unlock = page.getByRole("alertdialog", { name: `Unlock second factors of ${user.userid}?` });
      await expect(unlock).toBeVisible();
      await expectNoAxeViolations(page, testInfo, "unlock a user's second factors");
      await unlock.getByRole("button", { name: "Cancel" }).click();
      await logOut(page);
    });
  });
}
