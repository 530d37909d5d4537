/**
 * Issue 14 in the console: rotation with overlap (both secrets work, the old one is
 * refused from the deadline on), the audit screen shows the rotation, and last use
 * appears after a token call. Runs in the desktop and the phone project.
 *
 * Last use needs no flush wait here: the e2e server runs one worker, and a read
 * merges that process's unflushed uses (decision 031).
 */
import { expect, test, type Page } from "@playwright/test";
import { fetchVersionStatusWithToken, openApiSession, type ApiSession } from "../support/api.js";
import { ADMIN_USERID } from "../support/env.js";
import { expectScreen, logInThroughUi, rowWith, uniqueName } from "../support/ui.js";

/**
 * A use is stored to the minute (floored), so one made at 13:11:55 and shown at 13:12:01
 * reads "1 minute ago": either text means the use just made.
 */
const JUST_USED = /(just now|1 minute ago)/;

/** Short, so the test sees the deadline pass; long enough to check the old secret before it. */
const SHORT_GRACE_S = 4;
/** The rotating process and the checking process share this host's clock; the deadline is whole seconds. */
const DEADLINE_TOLERANCE_MS = 1_000;

let admin: ApiSession;

test.beforeAll(async () => {
  admin = await openApiSession();
});

test.afterAll(async () => {
  await admin.dispose();
});

async function showToken(page: Page, name: string): Promise<void> {
  await page.goto("/");
  await expectScreen(page, "API tokens");
  await page.getByLabel("Search").fill(name);
}

test("rotating with an hour of overlap keeps both secrets working and the list says until when", async ({ page }) => {
  const name = uniqueName("overlap");
  const tokenid = `${ADMIN_USERID}!${name}`;
  const created = await admin.api.createToken(ADMIN_USERID, name);
  try {
    await showToken(page, name);
    await page.getByRole("button", { name: `Regenerate secret of ${tokenid}` }).click();
    const dialog = page.getByRole("alertdialog", { name: "Regenerate secret?" });
    await dialog.getByRole("radio", { name: "Keep the old secret working for 1 hour" }).check();
    await dialog.getByRole("button", { name: "Regenerate secret" }).click();

    const secretDialog = page.getByRole("dialog", { name: "New token secret" });
    await expect(secretDialog.getByRole("note")).toContainText("The old secret keeps working until");
    const newSecret = await secretDialog.getByLabel("Secret", { exact: true }).inputValue();
    expect(newSecret).not.toBe(created.value);
    expect(await fetchVersionStatusWithToken(tokenid, newSecret), "the new secret").toBe(200);
    expect(await fetchVersionStatusWithToken(tokenid, created.value), "the old secret, during the overlap").toBe(200);
    await secretDialog.getByRole("button", { name: "I have copied the secret" }).click();

    await expect(rowWith(page, tokenid)).toContainText(/Old secret ends in (59|60) minutes|Old secret ends in 1 hour/);
  } finally {
    await admin.api.deleteToken(ADMIN_USERID, name);
  }
});

test("with a short grace the old secret is refused from the deadline on, and the audit screen shows the rotation", async ({ page }) => {
  const name = uniqueName("deadline");
  const tokenid = `${ADMIN_USERID}!${name}`;
  const created = await admin.api.createToken(ADMIN_USERID, name);
  try {
    const requestedAt = Date.now();
    const rotated = await admin.api.regenerateToken(ADMIN_USERID, name, { grace: SHORT_GRACE_S });
    expect(await fetchVersionStatusWithToken(tokenid, rotated.secret), "the new secret").toBe(200);
    expect(await fetchVersionStatusWithToken(tokenid, created.value), "the old secret before the deadline").toBe(200);

    // Polled until refused, bounded by a deadline well past the grace.
    await expect
      .poll(() => fetchVersionStatusWithToken(tokenid, created.value), { timeout: (SHORT_GRACE_S + 15) * 1000, intervals: [250] })
      .toBe(401);
    expect(Date.now() - requestedAt, "not refused before the grace ran out").toBeGreaterThanOrEqual(
      SHORT_GRACE_S * 1000 - DEADLINE_TOLERANCE_MS,
    );
    expect(await fetchVersionStatusWithToken(tokenid, rotated.secret), "the new secret after the deadline").toBe(200);

    await showToken(page, name);
    await expect(rowWith(page, tokenid)).not.toContainText("Old secret ends");
    await page.getByRole("button", { name: `Show history of ${tokenid}` }).click();
    await expectScreen(page, "Audit log");
    await expect(page.getByLabel("Target")).toHaveValue(tokenid);
    const rotation = page.getByRole("row").filter({ hasText: "Token secret regenerated" });
    await expect(rotation).toHaveCount(1);
    await expect(rotation).toContainText(tokenid);
    await expect(rotation).toContainText(ADMIN_USERID);
    await expect(rotation).toContainText("Success");
    await expect(page.getByRole("row").filter({ hasText: "Token created" })).toHaveCount(1);

    // The action filter narrows to the rotation alone.
    await page.getByLabel("Action").selectOption({ label: "Token rotations" });
    await expect(page.getByRole("status").filter({ hasText: /of 1 records?$/ })).toBeVisible();
  } finally {
    await admin.api.deleteToken(ADMIN_USERID, name);
  }
});

test("a token shows never used until it is called, then when and from where", async ({ page }) => {
  const name = uniqueName("lastused");
  const tokenid = `${ADMIN_USERID}!${name}`;
  const created = await admin.api.createToken(ADMIN_USERID, name);
  try {
    await showToken(page, name);
    const row = rowWith(page, tokenid);
    await expect(row.locator('[data-label="Last used"]')).toHaveText("never");
    await expect(row.locator('[data-label="Created"] time')).toHaveAttribute("title", /\d/);

    expect(await fetchVersionStatusWithToken(tokenid, created.value)).toBe(200);
    await page.reload();
    await page.getByLabel("Search").fill(name);
    const lastUsed = rowWith(page, tokenid).locator('[data-label="Last used"]');
    await expect(lastUsed).toContainText(JUST_USED);
    await expect(lastUsed).toContainText(/from \S*127\.0\.0\.1/);
    // The exact time is on hover.
    await expect(lastUsed.locator("time")).toHaveAttribute("title", /\d/);

    // Made and used today, so "not used for 7 days" leaves it out.
    await page.getByRole("combobox", { name: "Last used" }).selectOption({ label: "Not used for 7 days" });
    await expect(page.getByText("No token matches the search and filter.")).toBeVisible();
  } finally {
    await admin.api.deleteToken(ADMIN_USERID, name);
  }
});

test("a login shows as the user's last login; History opens its audit trail, offered only with Sys.Audit on /system", async ({
  page,
  browser,
}) => {
  const name = uniqueName("lifeuser");
  const userid = `${name}@pbs`;
  const password = "lifecycle-e2e-password-1";
  await admin.api.createUser({ userid, password });
  try {
    // The user itself: no Sys.Audit on /system, so no audit screen and its History stays disabled with the reason.
    const own = await browser.newContext({ storageState: { cookies: [], origins: [] } });
    const ownPage = await own.newPage();
    await ownPage.goto("/users");
    await logInThroughUi(ownPage, name, password);
    await expectScreen(ownPage, "Users");
    await expect(ownPage.getByRole("button", { name: `Show history of ${userid}` })).toHaveAttribute("aria-disabled", "true");
    await expect(ownPage.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" })).toHaveCount(0);
    await own.close();

    await page.goto("/users");
    await expectScreen(page, "Users");
    await page.getByLabel("Search").fill(name);
    const row = rowWith(page, userid);
    await expect(row.locator('[data-label="Last login"]')).toContainText(new RegExp(`${JUST_USED.source}.*from \\S*127\\.0\\.0\\.1`));
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" })).toBeVisible();
    await page.getByRole("button", { name: `Show history of ${userid}` }).click();
    await expectScreen(page, "Audit log");
    await expect(page.getByLabel("Target")).toHaveValue(userid);
    await expect(page.getByRole("row").filter({ hasText: "User created" })).toHaveCount(1);
    await expect(page.getByRole("row").filter({ hasText: "Login" }).filter({ hasText: "Success" })).toHaveCount(1);
  } finally {
    await admin.api.deleteUser(userid);
  }
});
