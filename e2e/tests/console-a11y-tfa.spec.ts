/**
 * Issue 18's accessibility check on the second-factor screens of issue 12: the login's
 * second step (one kind, a refused code, a choice of kinds), the Two-factor screen as
 * a user and as an admin, and its dialogs, in light and dark; the phone project runs
 * it at 360 px. Each test makes its own user: admin@pbs never gets a factor, or every
 * other suite's login would need one.
 */
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { Secret, TOTP } from "otpauth";
import { openApiSession, type ApiSession } from "../support/api.js";
import { expectNoAxeViolations } from "../support/axe.js";
import { ADMIN_USER, ADMIN_PASSWORD } from "../support/env.js";
import { escapeRegExp, expectLoginPage, expectScreen, logInThroughUi, uniqueName } from "../support/ui.js";

test.use({ storageState: { cookies: [], origins: [] } });

const USER_PASSWORD = "a11y-tfa-password-1";
/** The server's TOTP parameters (auth-core tfa/totp.ts): SHA-1, 6 digits, 30 s. */
const TOTP_PERIOD_S = 30;

let admin: ApiSession;
const createdUsers: string[] = [];

test.beforeAll(async () => {
  admin = await openApiSession();
});

test.afterAll(async () => {
  for (const userid of createdUsers) await admin.api.deleteUser(userid);
  await admin.dispose();
});

/** A user with an authenticator app enrolled through the API, as a script would. */
async function createUserWithTotp(): Promise<{ name: string; userid: string; totp: TOTP }> {
  const name = uniqueName("a11y-tfa");
  const userid = `${name}@pbs`;
  await admin.api.createUser({ userid, password: USER_PASSWORD, comment: "e2e accessibility of second factors" });
  createdUsers.push(userid);
  const secret = new Secret({ size: 20 });
  const totp = new TOTP({ issuer: "Gatehouse", label: userid, secret, algorithm: "SHA1", digits: 6, period: TOTP_PERIOD_S });
  const self = await openApiSession(userid, USER_PASSWORD);
  try {
    await self.api.addTfa(userid, {
      type: "totp",
      description: "phone",
      totp: totp.toString(),
      value: totp.generate(),
      password: USER_PASSWORD,
    });
  } finally {
    await self.dispose();
  }
  return { name, userid, totp };
}

/** A code for a step the enrolment did not use: the server accepts one step ahead. */
function nextStepCode(totp: TOTP): string {
  return totp.generate({ timestamp: Date.now() + TOTP_PERIOD_S * 1000 });
}

/** A six-digit code that matches no step near now. */
function wrongCode(totp: TOTP): string {
  const near = new Set([-2, -1, 0, 1, 2, 3].map((offset) => totp.generate({ timestamp: Date.now() + offset * TOTP_PERIOD_S * 1000 })));
  return ["000000", "111111", "222222"].find((code) => !near.has(code)) ?? "333333";
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
      await expect(page.getByRole("heading", { name: "Second factor" })).toBeVisible();
      await expectNoAxeViolations(page, testInfo, "second factor, one kind");
      await page.getByLabel("Authentication code").fill(wrongCode(user.totp));
      await page.getByRole("button", { name: "Verify" }).click();
      await expect(page.getByRole("alert").filter({ hasText: "The second factor was not accepted" })).toBeVisible();
      await expectNoAxeViolations(page, testInfo, "second factor, refused");
      await page.getByLabel("Authentication code").fill(nextStepCode(user.totp));
      await page.getByRole("button", { name: "Verify" }).click();
      await expectScreen(page, "API tokens");

      await page.getByRole("link", { name: "Two-factor" }).click();
      await expectScreen(page, "Two-factor");
      await expect(page.getByRole("row", { name: /Authenticator app/ })).toBeVisible();
      await expectNoAxeViolations(page, testInfo, "two-factor screen, a user's own");
      await checkDialogAndCancel(page, testInfo, "Add authenticator app", "Add authenticator app");
      await checkDialogAndCancel(page, testInfo, "Add security key", "Add security key");
      await page.getByRole("button", { name: "Remove authenticator app phone" }).click();
      const remove = page.getByRole("alertdialog", { name: "Remove authenticator app phone?" });
      await expectNoAxeViolations(page, testInfo, "remove a factor");
      await remove.getByRole("button", { name: "Cancel" }).click();

      await page.getByRole("button", { name: "Generate recovery keys" }).click();
      const generate = page.getByRole("dialog", { name: "Generate recovery keys" });
      await generate.getByLabel("Your password").fill("not-my-password");
      await generate.getByRole("button", { name: "Generate recovery keys" }).click();
      await expect(generate.getByLabel("Your password")).toHaveAttribute("aria-invalid", "true");
      await expectNoAxeViolations(page, testInfo, "generate recovery keys, wrong password");
      await generate.getByLabel("Your password").fill(USER_PASSWORD);
      await generate.getByRole("button", { name: "Generate recovery keys" }).click();
      const shown = page.getByRole("dialog", { name: "Your recovery keys" });
      await expect(shown.getByRole("list", { name: "Recovery keys" }).getByRole("listitem")).toHaveCount(10);
      await expectNoAxeViolations(page, testInfo, "recovery keys shown");
      await shown.getByRole("button", { name: "I have saved the keys" }).click();

      // Two kinds now: the second step offers a choice.
      await page.getByRole("button", { name: "Log out" }).click();
      await expectLoginPage(page);
      await logInThroughUi(page, user.name, USER_PASSWORD);
      await expect(page.getByRole("heading", { name: "Second factor" })).toBeVisible();
      await expect(page.getByRole("radio").first()).toBeVisible();
      await expectNoAxeViolations(page, testInfo, "second factor, a choice of kinds");
    });

    test("the admin's Two-factor screen with every user's factors", async ({ page }, testInfo) => {
      const user = await createUserWithTotp();
      await page.goto("/");
      await logInThroughUi(page, ADMIN_USER, ADMIN_PASSWORD);
      await expectScreen(page, "API tokens");
      await page.getByRole("link", { name: "Two-factor" }).click();
      await expectScreen(page, "Two-factor");
      await expect(page.getByRole("row", { name: new RegExp(escapeRegExp(user.userid)) })).toBeVisible();
      await expectNoAxeViolations(page, testInfo, "two-factor screen, an admin's");
      await page.getByRole("button", { name: `Second factors of ${user.userid}` }).click();
      const factors = page.getByRole("dialog", { name: `Second factors of ${user.userid}` });
      await expect(factors.getByRole("row", { name: /Authenticator app/ })).toBeVisible();
      await expectNoAxeViolations(page, testInfo, "a user's factors");
      await page.keyboard.press("Escape");
      await expect(factors).toHaveCount(0);
      await page.getByRole("button", { name: `Unlock ${user.userid}` }).click();
      const unlock = page.getByRole("alertdialog", { name: `Unlock second factors of ${user.userid}?` });
      await expect(unlock).toBeVisible();
      await expectNoAxeViolations(page, testInfo, "unlock a user's second factors");
      await unlock.getByRole("button", { name: "Cancel" }).click();
    });
  });
}
