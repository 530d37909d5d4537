/**
 * Issue 12, second factors in the console (decision 026), at desktop and phone size:
 * TOTP enrolment from the secret the page shows and login with a code computed here,
 * recovery-key login, a WebAuthn security key through Chromium's virtual
 * authenticator, and the TOTP lockout an admin lifts from the Two-factor screen.
 * Every test makes its own user, so none depends on another.
 */
import { expect, test, type Page } from "@playwright/test";
import type { TOTP } from "otpauth";
import { openApiSession, type ApiSession } from "../support/api.js";
import { ADMIN_PASSWORD, ADMIN_USER, WEBAUTHN_BASE_URL } from "../support/env.js";
import {
  answerTotp,
  addTotpByApi,
  asUser,
  expectNoSidewaysScroll,
  expectRefused,
  expectSecondFactorStep,
  expectSignedIn,
  freshCode,
  logOut,
  logOutThroughDialog,
  openTwoFactorScreen,
  totpFor,
  wrongCodes,
} from "../support/tfa.js";
import { expectScreen, logInThroughUi, uniqueName } from "../support/ui.js";

test.use({ storageState: { cookies: [], origins: [] } });

/** proxmox-tfa's `totp_failure_limit`, as the server uses it. */
const TOTP_FAILURE_LIMIT = 8;
const USER_PASSWORD = "tfa-e2e-password-1";

let admin: ApiSession;
const createdUsers: string[] = [];

test.beforeAll(async () => {
  admin = await openApiSession();
});

test.afterAll(async () => {
  for (const userid of createdUsers) await admin.api.deleteUser(userid);
  await admin.dispose();
});

async function createUser(prefix: string): Promise<{ name: string; userid: string }> {
  const name = uniqueName(prefix);
  const userid = `${name}@pbs`;
  await admin.api.createUser({ userid, password: USER_PASSWORD, comment: "e2e second factors" });
  createdUsers.push(userid);
  return { name, userid };
}

/** Enrols an authenticator app through the dialog; returns its secret and the step the enrolment code used up. */
async function enrolTotpThroughUi(page: Page): Promise<{ totp: TOTP; usedStep: number }> {
  await page.getByRole("button", { name: "Add authenticator app" }).click();
  const dialog = page.getByRole("dialog", { name: "Add authenticator app" });
  await expect(dialog.getByRole("img", { name: /QR code of the TOTP secret/ })).toBeVisible();
  await expectNoSidewaysScroll(page);
  const secret = await dialog.getByLabel("Secret").inputValue();
  expect(secret.replace(/\s+/g, "")).toMatch(/^[A-Z2-7]{32}$/);
  const totp = totpFor(secret);
  // A wrong code is refused on its field, and nothing is saved.
  await dialog.getByLabel("Code from the app").fill(wrongCodes(totp, 1)[0] ?? "");
  await dialog.getByLabel("Your password").fill(USER_PASSWORD);
  await dialog.getByRole("button", { name: "Add authenticator app" }).click();
  await expect(dialog.getByLabel("Code from the app")).toHaveAccessibleDescription(/did not match/);
  await expect(dialog.getByLabel("Code from the app")).toBeFocused();
  const { code, step } = freshCode(totp, -1);
  await dialog.getByLabel("Code from the app").fill(code);
  await dialog.getByRole("button", { name: "Add authenticator app" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("row", { name: /Authenticator app \(TOTP\)/ })).toBeVisible();
  await expectNoSidewaysScroll(page);
  return { totp, usedStep: step };
}

test("TOTP: enrol from the QR code's secret, then log in with a code computed from it; a used code is refused", async ({ page }) => {
  const user = await createUser("totp");
  await page.goto("/");
  await logInThroughUi(page, user.name, USER_PASSWORD);
  await expectScreen(page, "API tokens");
  await openTwoFactorScreen(page);
  await expect(page.getByText("You have no second factor")).toBeVisible();
  const { totp, usedStep } = await enrolTotpThroughUi(page);

  await logOut(page);
  await logInThroughUi(page, user.name, USER_PASSWORD);
  await expectSecondFactorStep(page);
  // Only TOTP is configured: no choice of kinds, the code field has focus.
  await expect(page.getByRole("radio")).toHaveCount(0);
  await expect(page.getByLabel("Authentication code")).toBeFocused();
  const login = freshCode(totp, usedStep);
  await answerTotp(page, login.code);
  await expectSignedIn(page, "Two-factor");

  // The same code again is a replay, whatever its window.
  await logOut(page);
  await logInThroughUi(page, user.name, USER_PASSWORD);
  await expectSecondFactorStep(page);
  await answerTotp(page, login.code);
  await expectRefused(page);
  await expect(page.getByLabel("Authentication code")).toBeFocused();
});

test("recovery keys: shown once, ten of them; one logs in once, the screen counts what is left, an admin removes them", async ({
  page,
}) => {
  const user = await createUser("recovery");
  await page.goto("/");
  await logInThroughUi(page, user.name, USER_PASSWORD);
  await openTwoFactorScreen(page);
  await page.getByRole("button", { name: "Generate recovery keys" }).click();
  const dialog = page.getByRole("dialog", { name: "Generate recovery keys" });
  // The password is asked again, and a wrong one is refused on its field.
  await dialog.getByLabel("Your password").fill("not-my-password");
  await dialog.getByRole("button", { name: "Generate recovery keys" }).click();
  await expect(dialog.getByLabel("Your password")).toHaveAccessibleDescription(/not your current password/);
  await dialog.getByLabel("Your password").fill(USER_PASSWORD);
  await dialog.getByRole("button", { name: "Generate recovery keys" }).click();
  const shown = page.getByRole("dialog", { name: "Your recovery keys" });
  const keyItems = shown.getByRole("list", { name: "Recovery keys" }).getByRole("listitem");
  await expect(keyItems).toHaveCount(10);
  const keys = await keyItems.allTextContents();
  for (const key of keys) expect(key).toMatch(/^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/);
  await shown.getByRole("button", { name: "I have saved the keys" }).click();
  await expect(page.getByRole("row", { name: /Recovery keys/ })).toContainText("10 keys left");
  await expect(page.getByRole("button", { name: "Generate recovery keys" })).toHaveAttribute("aria-disabled", "true");

  await logOut(page);
  await logInThroughUi(page, user.name, USER_PASSWORD);
  await expectSecondFactorStep(page);
  await expect(page.getByLabel("Recovery key")).toHaveAccessibleDescription(/10 recovery keys left/);
  await page.getByLabel("Recovery key").fill(keys[3] ?? "");
  await page.getByRole("button", { name: "Verify" }).click();
  await expectSignedIn(page, "Two-factor");
  await expect(page.getByRole("row", { name: /Recovery keys/ })).toContainText("9 keys left");

  // A used key does not work twice.
  await logOut(page);
  await logInThroughUi(page, user.name, USER_PASSWORD);
  await page.getByLabel("Recovery key").fill(keys[3] ?? "");
  await page.getByRole("button", { name: "Verify" }).click();
  await expectRefused(page);

  // An admin removes them (the user lost the sheet), with the admin's own password.
  await page.getByRole("button", { name: "Back" }).click();
  await logInThroughUi(page, ADMIN_USER, ADMIN_PASSWORD);
  await expectSignedIn(page, "Two-factor");
  await page.getByRole("button", { name: `Second factors of ${user.userid}` }).click();
  await page
    .getByRole("dialog", { name: `Second factors of ${user.userid}` })
    .getByRole("button", { name: "Remove recovery keys" })
    .click();
  const remove = page.getByRole("alertdialog", { name: "Remove recovery keys?" });
  await remove.getByLabel("Your password").fill(ADMIN_PASSWORD);
  await remove.getByRole("button", { name: "Remove" }).click();
  await expect(page.getByRole("dialog", { name: `Second factors of ${user.userid}` })).toContainText("has no second factor left");
  await logOutThroughDialog(page);
  // Nothing left: the password alone logs in again.
  await logInThroughUi(page, user.name, USER_PASSWORD);
  await expectSignedIn(page, "Two-factor");
});

test("WebAuthn: register a security key, log in with it through Chromium's virtual authenticator, then remove it", async ({ page }) => {
  const user = await createUser("webauthn");
  // A secure context whose host is the server's relying-party id (not 127.0.0.1).
  await page.goto(WEBAUTHN_BASE_URL);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "usb",
      hasResidentKey: false,
      hasUserVerification: false,
      automaticPresenceSimulation: true,
    },
  });

  await logInThroughUi(page, user.name, USER_PASSWORD);
  await openTwoFactorScreen(page);
  await page.getByRole("button", { name: "Add security key" }).click();
  const dialog = page.getByRole("dialog", { name: "Add security key" });
  await dialog.getByLabel("Description").fill("Virtual key");
  await dialog.getByLabel("Your password").fill(USER_PASSWORD);
  await dialog.getByRole("button", { name: "Register security key" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("row", { name: /Security key \(WebAuthn\)/ })).toContainText("Virtual key");
  const registered = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  expect(registered.credentials).toHaveLength(1);

  await logOut(page);
  await logInThroughUi(page, user.name, USER_PASSWORD);
  await expectSecondFactorStep(page);
  await page.getByRole("button", { name: "Use security key" }).click();
  await expectSignedIn(page, "Two-factor");
  const used = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  // The key signed exactly the one assertion of this login.
  expect(used.credentials[0]?.signCount).toBe((registered.credentials[0]?.signCount ?? 0) + 1);

  // The user removes the key (password again); the next login needs the password only.
  await page.getByRole("button", { name: "Remove security key Virtual key" }).click();
  const remove = page.getByRole("alertdialog", { name: "Remove security key Virtual key?" });
  await remove.getByLabel("Your password").fill(USER_PASSWORD);
  await remove.getByRole("button", { name: "Remove" }).click();
  await expect(page.getByText("You have no second factor")).toBeVisible();
  await logOut(page);
  await logInThroughUi(page, user.name, USER_PASSWORD);
  await expectSignedIn(page, "Two-factor");
});

test(`lockout: ${TOTP_FAILURE_LIMIT} wrong codes lock TOTP; an admin sees it and unlocks from the Two-factor screen`, async ({ page }) => {
  const user = await createUser("locked");
  // Enrolled through the API as the user, the way a script would: this test is about the lock.
  const { totp, usedStep } = await asUser(user.userid, USER_PASSWORD, (api) => addTotpByApi(api, user.userid, USER_PASSWORD));

  await page.goto("/");
  await logInThroughUi(page, user.name, USER_PASSWORD);
  await expectSecondFactorStep(page);
  for (const wrong of wrongCodes(totp, TOTP_FAILURE_LIMIT)) {
    await answerTotp(page, wrong);
    await expectRefused(page);
  }
  // Locked: now even the right code is refused.
  await answerTotp(page, freshCode(totp, usedStep).code);
  await expectRefused(page);

  await page.getByRole("button", { name: "Back" }).click();
  await logInThroughUi(page, ADMIN_USER, ADMIN_PASSWORD);
  await expectScreen(page, "API tokens");
  await openTwoFactorScreen(page);
  const row = page.getByRole("row", { name: new RegExp(user.userid.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) });
  await expect(row).toContainText("1 authenticator app");
  await expect(row).toContainText("Authenticator app locked");
  await row.getByRole("button", { name: `Unlock ${user.userid}` }).click();
  await page
    .getByRole("alertdialog", { name: `Unlock second factors of ${user.userid}?` })
    .getByRole("button", { name: "Unlock" })
    .click();
  await expect(row).toContainText("Not locked");
  await expectNoSidewaysScroll(page);

  await logOut(page);
  await logInThroughUi(page, user.name, USER_PASSWORD);
  await expectSecondFactorStep(page);
  await answerTotp(page, freshCode(totp, usedStep).code);
  await expectSignedIn(page, "Two-factor");
});
