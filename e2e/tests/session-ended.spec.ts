import { createPrivateKey, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { ADMIN_PASSWORD, ADMIN_USERID, BASE_URL, TICKET_COOKIE, resolveDataDir } from "../support/env.js";
import { expectLoginPage, expectScreen } from "../support/ui.js";

async function replaceTicketCookie(context: BrowserContext, value: string): Promise<void> {
  await context.addCookies([{ name: TICKET_COOKIE, value, url: `${BASE_URL}/`, httpOnly: true, secure: true, sameSite: "Lax" }]);
}

async function currentTicket(context: BrowserContext): Promise<string> {
  const cookie = (await context.cookies()).find((candidate) => candidate.name === TICKET_COOKIE);
  if (cookie === undefined) throw new Error("no ticket cookie in the stored admin session");
  return cookie.value;
}

/**
 * Opens a screen of the restored console and waits until nothing it started is still
 * in flight. A restored session renews its ticket at start, and that answer sets a
 * fresh cookie: landing after the test's swap, it would undo the swap, and a screen
 * fetch sent after the swap would end the session before the test acts. Both show
 * only on a loaded machine, so wait for the renewal's answer and the screen's data.
 */
async function openSettledConsole(page: Page, path: string, title: string): Promise<void> {
  const startRenewal = page.waitForResponse(
    (response) => response.url().endsWith("/api2/extjs/access/ticket") && response.request().method() === "POST",
  );
  await page.goto(path);
  await expectScreen(page, title);
  const renewal = await startRenewal;
  expect(renewal.status()).toBe(200);
  await renewal.finished();
  await expect(page.getByRole("status").filter({ hasText: /^Loading / })).toHaveCount(0);
}

/**
 * A ticket with a valid signature from the server's own key but issued 3 hours ago,
 * past the 2-hour lifetime: the server must refuse it for its age alone.
 */
function forgeExpiredTicket(): string {
  const keyPem = readFileSync(join(resolveDataDir(), "authkey.key"), "utf8");
  const issued = Math.floor(Date.now() / 1000) - 3 * 3600;
  const data = `PBS:${ADMIN_USERID}:${issued.toString(16).toUpperCase().padStart(8, "0")}`;
  const signature = sign(null, Buffer.from(data, "utf8"), createPrivateKey(keyPem)).toString("base64").replace(/=+$/, "");
  return `${data}::${signature}`;
}

test("a tampered cookie opens the re-login dialog; Log out instead leaves no data on screen", async ({ page, context }) => {
  await openSettledConsole(page, "/", "API tokens");
  const ticket = await currentTicket(context);
  const last = ticket.at(-1) === "A" ? "B" : "A";
  await replaceTicketCookie(context, `${ticket.slice(0, -1)}${last}`);

  await page.getByRole("link", { name: "Users" }).click();
  const relogin = page.getByRole("dialog", { name: "Session ended" });
  await expect(relogin).toBeVisible();
  await expect(relogin.getByLabel("User name")).toHaveValue(ADMIN_USERID);
  await relogin.getByRole("button", { name: "Log out instead" }).click();
  await expectLoginPage(page);
  await expect(page.getByRole("table")).toHaveCount(0);
});

test("an expired cookie mid-form: log in again in the dialog and the typed form is still there", async ({ page, context }) => {
  await openSettledConsole(page, "/", "API tokens");
  await page.getByRole("button", { name: "Add token" }).click();
  const add = page.getByRole("dialog", { name: "Add API token" });
  const name = `kept-${Date.now().toString(36)}`;
  await add.getByLabel("Token name").fill(name);
  await add.getByLabel("Comment").fill("typed before the session ended");
  await replaceTicketCookie(context, forgeExpiredTicket());

  await add.getByRole("button", { name: "Create token" }).click();
  const relogin = page.getByRole("dialog", { name: "Session ended" });
  await expect(relogin).toBeVisible();
  await expect(relogin.getByLabel("Password", { exact: true })).toBeFocused();
  await relogin.getByLabel("Password", { exact: true }).fill(ADMIN_PASSWORD);
  await relogin.getByRole("button", { name: "Log in again" }).click();
  await expect(relogin).toHaveCount(0);

  await expect(add.getByLabel("Token name")).toHaveValue(name);
  await expect(add.getByLabel("Comment")).toHaveValue("typed before the session ended");
  await add.getByRole("button", { name: "Create token" }).click();
  const secretDialog = page.getByRole("dialog", { name: "Token created" });
  await expect(secretDialog.getByLabel("Token ID")).toHaveValue(`${ADMIN_USERID}!${name}`);
  await secretDialog.getByRole("button", { name: "I have copied the secret" }).click();
  await page.getByRole("button", { name: `Remove ${ADMIN_USERID}!${name}` }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Remove token" }).click();
});

test("a reload with a tampered cookie shows the login page and no data", async ({ page, context }) => {
  await openSettledConsole(page, "/", "API tokens");
  await replaceTicketCookie(context, "PBS:admin@pbs:00000000::bm90LWEtc2lnbmF0dXJl");
  await page.reload();
  await expectLoginPage(page);
  await expect(page.getByRole("table")).toHaveCount(0);
});
