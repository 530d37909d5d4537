/**
 * Ending the browser's session behind the console's back, for the suites that need
 * the re-login dialog: the ticket cookie is swapped in the test's own context only,
 * so the stored admin session the other suites use stays valid.
 */
import { expect, type BrowserContext, type Page } from "@playwright/test";
import { BASE_URL, TICKET_COOKIE } from "./env.js";
import { expectScreen } from "./ui.js";

export async function replaceTicketCookie(context: BrowserContext, value: string): Promise<void> {
  await context.addCookies([{ name: TICKET_COOKIE, value, url: `${BASE_URL}/`, httpOnly: true, secure: true, sameSite: "Lax" }]);
}

export async function currentTicket(context: BrowserContext): Promise<string> {
  const cookie = (await context.cookies()).find((candidate) => candidate.name === TICKET_COOKIE);
  if (cookie === undefined) throw new Error("no ticket cookie in the stored admin session");
  return cookie.value;
}

/** The current ticket with its signature's last character changed: well-formed, refused. */
export async function tamperTicketCookie(context: BrowserContext): Promise<void> {
  const ticket = await currentTicket(context);
  const last = ticket.at(-1) === "A" ? "B" : "A";
  await replaceTicketCookie(context, `${ticket.slice(0, -1)}${last}`);
}

/**
 * Opens a screen of the restored console and waits until nothing it started is still
 * in flight. A restored session renews its ticket at start, and that answer sets a
 * fresh cookie: landing after the test's swap, it would undo the swap, and a screen
 * fetch sent after the swap would end the session before the test acts. Both show
 * only on a loaded machine, so wait for the renewal's answer and the screen's data.
 */
export async function openSettledConsole(page: Page, path: string, title: string): Promise<void> {
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
