/**
 * Shared by the second-factor suites (console-tfa*.spec.ts): TOTP codes computed
 * here from a secret, as an authenticator app would, and the console's login and
 * Two-factor steps.
 */
import { expect, type Page } from "@playwright/test";
import type { GatehouseClient } from "@gatehouse/client";
import { Secret, TOTP } from "otpauth";
import { openApiSession } from "./api.js";
import { expectLoginPage, expectScreen } from "./ui.js";

/** The server's parameters (auth-core tfa/totp.ts) and what the console enrols: SHA-1, 6 digits, 30 s. */
export const TOTP_PERIOD_S = 30;

export function totpFor(base32Secret: string): TOTP {
  return new TOTP({ secret: Secret.fromBase32(base32Secret.replace(/\s+/g, "")), algorithm: "SHA1", digits: 6, period: TOTP_PERIOD_S });
}

export function currentStep(): number {
  return Math.floor(Date.now() / 1000 / TOTP_PERIOD_S);
}

/**
 * A code the server has not seen: of the step after `usedStep` when the current step
 * is already used (the server accepts one step ahead), else of the current step. So
 * no test waits for the clock.
 */
export function freshCode(totp: TOTP, usedStep: number): { code: string; step: number } {
  const step = Math.max(currentStep(), usedStep + 1);
  return { code: totp.generate({ timestamp: step * TOTP_PERIOD_S * 1000 }), step };
}

/** Codes that are valid at no step the server could accept now. */
export function wrongCodes(totp: TOTP, count: number): string[] {
  const now = currentStep();
  const valid = new Set([-2, -1, 0, 1, 2, 3].map((offset) => totp.generate({ timestamp: (now + offset) * TOTP_PERIOD_S * 1000 })));
  const codes: string[] = [];
  for (let step = now + 1000; codes.length < count; step += 1) {
    const code = totp.generate({ timestamp: step * TOTP_PERIOD_S * 1000 });
    if (!valid.has(code) && !codes.includes(code)) codes.push(code);
  }
  return codes;
}

export async function openTwoFactorScreen(page: Page): Promise<void> {
  await page.getByRole("link", { name: "Two-factor" }).click();
  await expectScreen(page, "Two-factor");
}

export async function logOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Log out" }).click();
  await expectLoginPage(page);
}

/** Signed in, on whatever screen the address names (logging out keeps the address). */
export async function expectSignedIn(page: Page, screen: string): Promise<void> {
  await expectScreen(page, screen);
  await expect(page.getByRole("button", { name: "Log out" })).toBeVisible();
}

/** Closes an open dialog with Escape, then logs out. */
export async function logOutThroughDialog(page: Page): Promise<void> {
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await logOut(page);
}

export async function expectSecondFactorStep(page: Page): Promise<void> {
  await expect(page.getByRole("heading", { name: "Second factor" })).toBeVisible();
}

export async function answerTotp(page: Page, code: string): Promise<void> {
  await page.getByLabel("Authentication code").fill(code);
  await page.getByRole("button", { name: "Verify" }).click();
}

export async function expectRefused(page: Page): Promise<void> {
  await expect(page.getByRole("alert").filter({ hasText: "The second factor was not accepted" })).toBeVisible();
}

/** Nothing scrolls sideways, at 360 px (the phone project) as on the desktop. */
export async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const widths = await page.evaluate(() => ({ content: document.documentElement.scrollWidth, viewport: window.innerWidth }));
  expect(widths.content).toBeLessThanOrEqual(widths.viewport);
}

/**
 * Runs `work` in an API session of the user itself, the way a script would. Open it
 * before the user has a second factor: the password alone no longer logs in after.
 */
export async function asUser<T>(userid: string, password: string, work: (api: GatehouseClient) => Promise<T>): Promise<T> {
  const session = await openApiSession(userid, password);
  try {
    return await work(session.api);
  } finally {
    await session.dispose();
  }
}

/** Enrols TOTP through the API; returns the secret and the step the enrolment code used up. */
export async function addTotpByApi(api: GatehouseClient, userid: string, password: string): Promise<{ totp: TOTP; usedStep: number }> {
  const secret = new Secret({ size: 20 });
  const uri = new TOTP({ issuer: "Gatehouse", label: userid, secret }).toString();
  const totp = totpFor(secret.base32);
  const enrolment = freshCode(totp, -1);
  await api.addTfa(userid, { type: "totp", description: "phone", totp: uri, value: enrolment.code, password });
  return { totp, usedStep: enrolment.step };
}

/** Generates the user's recovery keys through the API; the keys in clear. */
export async function addRecoveryKeysByApi(api: GatehouseClient, userid: string, password: string): Promise<string[]> {
  return (await api.addTfa(userid, { type: "recovery", password })).recovery ?? [];
}
