import { createPrivateKey, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { ADMIN_USERID, BASE_URL, TICKET_COOKIE, resolveDataDir } from "../support/env.js";
import { SESSION_ENDED_MESSAGE, expectLoginPage, expectScreen } from "../support/ui.js";

async function replaceTicketCookie(context: BrowserContext, value: string): Promise<void> {
  await context.addCookies([
    { name: TICKET_COOKIE, value, url: `${BASE_URL}/`, httpOnly: true, secure: true, sameSite: "Lax" },
  ]);
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

test("a tampered cookie sends the open console back to login with the session-ended message", async ({ page, context }) => {
  await openSettledConsole(page, "/", "API tokens");
  const ticket = await currentTicket(context);
  const last = ticket.at(-1) === "A" ? "B" : "A";
  await replaceTicketCookie(context, `${ticket.slice(0, -1)}${last}`);

  await page.getByRole("link", { name: "Users" }).click();
  await expectLoginPage(page);
  await expect(page.getByRole("alert").filter({ hasText: SESSION_ENDED_MESSAGE })).toBeVisible();
  await expect(page.getByRole("table")).toHaveCount(0);
});

test("an expired cookie sends the open console back to login with the session-ended message", async ({ page, context }) => {
  await openSettledConsole(page, "/permissions", "Permissions");
  await replaceTicketCookie(context, forgeExpiredTicket());

  // Any request now fails: opening another screen fetches its data.
  await page.getByRole("link", { name: "API tokens" }).click();
  await expectLoginPage(page);
  await expect(page.getByRole("alert").filter({ hasText: SESSION_ENDED_MESSAGE })).toBeVisible();
});

test("a reload with a tampered cookie shows the login page and no data", async ({ page, context }) => {
  await openSettledConsole(page, "/", "API tokens");
  await replaceTicketCookie(context, "PBS:admin@pbs:00000000::bm90LWEtc2lnbmF0dXJl");
  await page.reload();
  await expectLoginPage(page);
  await expect(page.getByRole("table")).toHaveCount(0);
});
