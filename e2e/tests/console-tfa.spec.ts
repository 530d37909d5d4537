/**
 * Issue 12, second factors in the console (decision 026), at desktop and phone size:
 * TOTP enrolment from the secret the page shows and login with a code computed here,
 * recovery-key login, a WebAuthn security key through Chromium's virtual
 * authenticator, and the TOTP lockout an admin lifts from the Two-factor screen.
 * Every test makes its own user, so none depends on another.
 */
import { expect, test, type Page } from "@playwright/test";
import { Secret, TOTP } from "otpauth";
import { openApiSession, type ApiSession } from "../support/api.js";
import { ADMIN_PASSWORD, ADMIN_USER, WEBAUTHN_BASE_URL } from "../support/env.js";
import { expectLoginPage, expectScreen, logInThroughUi, uniqueName } from "../support/ui.js";

test.use({ storageState: { cookies: [], origins: [] } });

/** The server's parameters (auth-core tfa/totp.ts) and what the console enrols: SHA-1, 6 digits, 30 s. */
const TOTP_PERIOD_S = 30;
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

function totpFor(base32Secret: string): TOTP {
  return new TOTP({ secret: Secret.fromBase32(base32Secret.replace(/\s+/g, "")), algorithm: "SHA1", digits: 6, period: TOTP_PERIOD_S });
}

function currentStep(): number {
  return Math.floor(Date.now() / 1000 / TOTP_PERIOD_S);
}

/**
 * A code the server has not seen: of the step after `usedStep` when the current step
 * is already used (the server accepts one step ahead), else of the current step. So
 * no test waits for the clock.
 */
function freshCode(totp: TOTP, usedStep: number): { code: string; step: number } {
  const step = Math.max(currentStep(), usedStep + 1);
  return { code: totp.generate({ timestamp: step * TOTP_PERIOD_S * 1000 }), step };
}

/** Codes that are valid at no step the server could accept now. */
function wrongCodes(totp: TOTP, count: number): string[] {
  const now = currentStep();
  const valid = new Set([-2, -1, 0, 1, 2, 3].map((offset) => totp.generate({ timestamp: (now + offset) * TOTP_PERIOD_S * 1000 })));
  const codes: string[] = [];
  for (let step = now + 1000; codes.length < count; step += 1) {
    const code = totp.generate({ timestamp: step * TOTP_PERIOD_S * 1000 });
    if (!valid.has(code) && !codes.includes(code)) codes.push(code);
  }
  return codes;
}

async function openTwoFactorScreen(page: Page): Promise<void> {
  await page.getByRole("link", { name: "Two-factor" }).click();
  await expectScreen(page, "Two-factor");
}

async function logOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Log out" }).click();
  await expectLoginPage(page);
}

/** Signed in, on whatever screen the address names (logging out keeps the address). */
async function expectSignedIn(page: Page, screen: string): Promise<void> {
  await expectScreen(page, screen);
  await expect(page.getByRole("button", { name: "Log out" })).toBeVisible();
}

/** Closes an open dialog with Escape, then logs out. */
async function logOutThroughDialog(page: Page): Promise<void> {
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await logOut(page);
}

async function expectSecondFactorStep(page: Page): Promise<void> {
  await expect(page.getByRole("heading", { name: "Second factor" })).toBeVisible();
}

async function answerTotp(page: Page, code: string): Promise<void> {
  await page.getByLabel("Authentication code").fill(code);
  await page.getByRole("button", { name: "Verify" }).click();
}

async function expectRefused(page: Page): Promise<void> {
  await expect(page.getByRole("alert").filter({ hasText: "The second factor was not accepted" })).toBeVisible();
}

/** Nothing scrolls sideways, at 360 px (the phone project) as on the desktop. */
async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const widths = await page.evaluate(() => ({ content: document.documentElement.scrollWidth, viewport: window.innerWidth }));
  expect(widths.content).toBeLessThanOrEqual(widths.viewport);
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
  const secret = new Secret({ size: 20 });
  const uri = new TOTP({ issuer: "Gatehouse", label: user.userid, secret }).toString();
  const totp = totpFor(secret.base32);
  const enrolment = freshCode(totp, -1);
  const self = await openApiSession(user.userid, USER_PASSWORD);
  try {
    await self.api.addTfa(user.userid, { type: "totp", description: "phone", totp: uri, value: enrolment.code, password: USER_PASSWORD });
  } finally {
    await self.dispose();
  }

  await page.goto("/");
  await logInThroughUi(page, user.name, USER_PASSWORD);
  await expectSecondFactorStep(page);
  for (const wrong of wrongCodes(totp, TOTP_FAILURE_LIMIT)) {
    await answerTotp(page, wrong);
    await expectRefused(page);
  }
  // Locked: now even the right code is refused.
  await answerTotp(page, freshCode(totp, enrolment.step).code);
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
  await answerTotp(page, freshCode(totp, enrolment.step).code);
  await expectSignedIn(page, "Two-factor");
});
