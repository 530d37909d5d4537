import { expect, type Locator, type Page } from "@playwright/test";

export const LOGIN_FAILED_MESSAGE = "Login failed. Check the user name, password and realm.";
export const SESSION_ENDED_MESSAGE = "Your session has ended. Please log in again.";

/**
 * Fills and sends the login form. The realm choice exists only when the server has
 * more than one realm (issue 18); with the one built-in realm a bare name gets `@pbs`.
 */
export async function logInThroughUi(page: Page, username: string, password: string, realm?: string): Promise<void> {
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password", { exact: true }).fill(password);
  if (realm !== undefined) await page.getByLabel("Realm").selectOption(realm);
  await page.getByRole("button", { name: "Log in" }).click();
}

export async function expectLoginPage(page: Page): Promise<void> {
  await expect(page.getByRole("button", { name: "Log in" })).toBeVisible();
  await expect(page.getByLabel("User name")).toBeVisible();
}

export async function expectScreen(page: Page, title: string): Promise<void> {
  await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
}

/** A unique, valid token or user name per test run, so reruns never collide. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
}

/** Escapes a token id or user id for use inside a RegExp. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\!]/g, "\\$&");
}

/** The list row whose text contains `text` (a token or user id, matched literally). */
export function rowWith(page: Page, text: string): Locator {
  return page.getByRole("row", { name: new RegExp(escapeRegExp(text)) });
}
