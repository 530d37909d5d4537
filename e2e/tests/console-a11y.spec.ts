/**
 * Issue 18, accessibility: axe-core with the WCAG 2.2 AA rules on every screen and
 * state of the console (login, the lists and their empty results, every dialog, the
 * field errors, a failed load with Retry, the re-login dialog), in light and in dark
 * mode. The desktop and the phone project both run it, so each state is checked at
 * 1366 px and at 360 px, where rows are cards. Any violation fails the test.
 */
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { openApiSession, type ApiSession } from "../support/api.js";
import { expectNoAxeViolations } from "../support/axe.js";
import { ADMIN_PASSWORD, ADMIN_USERID } from "../support/env.js";
import { openSettledConsole, tamperTicketCookie } from "../support/session.js";
import { expectLoginPage, expectScreen, LOGIN_FAILED_MESSAGE, logInThroughUi, rowWith, uniqueName } from "../support/ui.js";

let admin: ApiSession;
/** One token the dialogs open on, so the suite does not depend on the other suites' data. */
const tokenName = uniqueName("a11y");
const tokenId = `${ADMIN_USERID}!${tokenName}`;
const NO_MATCH = "zz-nothing-matches-this";

test.beforeAll(async () => {
  admin = await openApiSession();
  await admin.api.createToken(ADMIN_USERID, tokenName, { comment: "checked by the accessibility suite" });
});

test.afterAll(async () => {
  await admin.api.deleteToken(ADMIN_USERID, tokenName);
  await admin.dispose();
});

/** Opens a dialog by its button, checks it, and closes it with its Cancel button or Escape. */
async function checkDialog(
  page: Page,
  testInfo: TestInfo,
  opener: string,
  dialog: { role: "dialog" | "alertdialog"; name: string | RegExp },
): Promise<void> {
  await page.getByRole("button", { name: opener, exact: true }).click();
  const opened = page.getByRole(dialog.role, { name: dialog.name });
  await expect(opened).toBeVisible();
  // The dialog's own data (roles, a token's privileges) is part of what is checked.
  await expect(opened.getByRole("status").filter({ hasText: /^Loading/ })).toHaveCount(0);
  await expectNoAxeViolations(page, testInfo, `${opener} dialog`);
  const cancel = opened.getByRole("button", { name: "Cancel", exact: true });
  if ((await cancel.count()) > 0) await cancel.click();
  else await page.keyboard.press("Escape");
  await expect(opened).toHaveCount(0);
}

async function searchFor(page: Page, text: string): Promise<void> {
  await page.getByLabel("Search").fill(text);
  await expect(page.getByRole("status").filter({ hasText: /^Loading/ })).toHaveCount(0);
}

for (const colorScheme of ["light", "dark"] as const) {
  test.describe(`${colorScheme} mode`, () => {
    test.beforeEach(async ({ page }) => {
      await page.emulateMedia({ colorScheme });
    });

    test.describe("signed out", () => {
      test.use({ storageState: { cookies: [], origins: [] } });

      test("login page, empty and after a failed login", async ({ page }, testInfo) => {
        await page.goto("/");
        await expectLoginPage(page);
        await expectNoAxeViolations(page, testInfo, "login, empty");
        // An unknown user: a wrong password for admin@pbs could count against the account.
        await logInThroughUi(page, "nobody-here", "not-the-password");
        await expect(page.getByRole("alert").filter({ hasText: LOGIN_FAILED_MESSAGE })).toBeVisible();
        await expectNoAxeViolations(page, testInfo, "login, failed");
        await page.getByRole("button", { name: "Log in" }).click();
        await page.getByLabel("User name").fill("");
        await page.getByRole("button", { name: "Log in" }).click();
        await expectNoAxeViolations(page, testInfo, "login, fields missing");
      });
    });

    test("the three lists, with rows and with an empty search result", async ({ page }, testInfo) => {
      await page.goto("/");
      await expectScreen(page, "API tokens");
      await searchFor(page, tokenName);
      await expect(rowWith(page, tokenId)).toBeVisible();
      await expectNoAxeViolations(page, testInfo, "tokens list");
      await searchFor(page, NO_MATCH);
      await expect(page.getByText("No token matches the search and filter.")).toBeVisible();
      await expectNoAxeViolations(page, testInfo, "tokens list, nothing found");

      await page.getByRole("link", { name: "Users" }).click();
      await expectScreen(page, "Users");
      await expect(rowWith(page, ADMIN_USERID)).toBeVisible();
      await expectNoAxeViolations(page, testInfo, "users list");
      await searchFor(page, NO_MATCH);
      await expect(page.getByText("No user matches the search.")).toBeVisible();
      await expectNoAxeViolations(page, testInfo, "users list, nothing found");

      await page.getByRole("link", { name: "Permissions" }).click();
      await expectScreen(page, "Permissions");
      await expect(page.getByRole("table")).toBeVisible();
      await expectNoAxeViolations(page, testInfo, "permissions list");
    });

    test("token dialogs: add with field errors, the one-time secret and its close warning, edit, regenerate, permissions, remove", async ({
      page,
    }, testInfo) => {
      await page.goto("/");
      await expectScreen(page, "API tokens");
      await page.getByRole("button", { name: "Add token" }).click();
      const add = page.getByRole("dialog", { name: "Add API token" });
      await expectNoAxeViolations(page, testInfo, "add token");
      // A taken name is reported at its field (issue 18), announced and focused.
      await add.getByLabel("Token name").fill(tokenName);
      await add.getByRole("button", { name: "Create token" }).click();
      await expect(add.getByLabel("Token name")).toHaveAttribute("aria-invalid", "true");
      await expectNoAxeViolations(page, testInfo, "add token, name taken");

      const created = uniqueName("a11y-new");
      await add.getByLabel("Token name").fill(created);
      await add.getByRole("button", { name: "Create token" }).click();
      const secret = page.getByRole("dialog", { name: "Token created" });
      await expect(secret).toBeVisible();
      await expectNoAxeViolations(page, testInfo, "token secret");
      await page.keyboard.press("Escape");
      await expect(secret.getByRole("alert")).toContainText("has not been copied");
      await expectNoAxeViolations(page, testInfo, "token secret, close warning");
      await secret.getByRole("button", { name: "Close without copying" }).click();
      await expect(secret).toHaveCount(0);

      await searchFor(page, tokenName);
      await checkDialog(page, testInfo, `Edit ${tokenId}`, { role: "dialog", name: `Edit token ${tokenId}` });
      await checkDialog(page, testInfo, `Regenerate secret of ${tokenId}`, { role: "alertdialog", name: "Regenerate secret?" });
      await checkDialog(page, testInfo, `Show permissions of ${tokenId}`, { role: "dialog", name: `Permissions of ${tokenId}` });

      await searchFor(page, created);
      await page.getByRole("button", { name: `Remove ${ADMIN_USERID}!${created}` }).click();
      const remove = page.getByRole("alertdialog", { name: "Remove token?" });
      await expectNoAxeViolations(page, testInfo, "remove token");
      await remove.getByRole("button", { name: "Remove token" }).click();
      await expect(remove).toHaveCount(0);
      // The success toast is part of the page state too.
      await expect(page.getByRole("status").filter({ hasText: "removed." })).toBeVisible();
      await expectNoAxeViolations(page, testInfo, "tokens list after a remove, with its toast");
    });

    test("user dialogs: add with field errors, edit, password, end sessions, and the typed self-lockout confirms", async ({
      page,
    }, testInfo) => {
      await page.goto("/users");
      await expectScreen(page, "Users");
      await page.getByRole("button", { name: "Add user" }).click();
      const add = page.getByRole("dialog", { name: "Add user" });
      await expectNoAxeViolations(page, testInfo, "add user");
      await add.getByLabel("User ID").fill("no realm");
      await add.getByLabel("Password", { exact: true }).fill("one-password-1");
      await add.getByLabel("Confirm password").fill("another-password-2");
      await add.getByRole("button", { name: "Add user" }).click();
      await expect(add.getByLabel("User ID")).toHaveAttribute("aria-invalid", "true");
      await expectNoAxeViolations(page, testInfo, "add user, field errors");
      await add.getByRole("button", { name: "Cancel" }).click();

      await searchFor(page, ADMIN_USERID);
      await checkDialog(page, testInfo, `Change password of ${ADMIN_USERID}`, {
        role: "dialog",
        name: `Change password of ${ADMIN_USERID}`,
      });
      await checkDialog(page, testInfo, `End sessions of ${ADMIN_USERID}`, { role: "alertdialog", name: "End all sessions?" });
      await checkDialog(page, testInfo, `Delete ${ADMIN_USERID}`, { role: "alertdialog", name: "Delete user?" });

      // Unticking your own Enabled asks for your user id typed: the other lockout guard.
      await page.getByRole("button", { name: `Edit ${ADMIN_USERID}` }).click();
      const edit = page.getByRole("dialog", { name: `Edit user ${ADMIN_USERID}` });
      await expectNoAxeViolations(page, testInfo, "edit user");
      await edit.getByLabel("Enabled").uncheck();
      await edit.getByRole("button", { name: /^Save/ }).click();
      const guard = page.getByRole("alertdialog", { name: "Disable your own account?" });
      await expect(guard).toBeVisible();
      await expectNoAxeViolations(page, testInfo, "disable yourself, typed confirm");
      await guard.getByRole("button", { name: "Cancel" }).click();
      await expect(guard).toHaveCount(0);
      await edit.getByRole("button", { name: "Cancel" }).click();
      await expect(edit).toHaveCount(0);
    });

    test("permission dialogs: add, and removing your own Admin entry", async ({ page }, testInfo) => {
      await page.goto("/permissions");
      await expectScreen(page, "Permissions");
      await checkDialog(page, testInfo, "Add permission", { role: "dialog", name: "Add permission" });
      await checkDialog(page, testInfo, `Remove Admin for ${ADMIN_USERID} on /`, { role: "alertdialog", name: "Remove permission?" });
    });

    test("audit log: records, a token's history, nothing found and a date range error", async ({ page }, testInfo) => {
      await page.goto("/");
      await expectScreen(page, "API tokens");
      await searchFor(page, tokenName);
      await page.getByRole("button", { name: `Show history of ${tokenId}` }).click();
      await expectScreen(page, "Audit log");
      await expect(page.getByLabel("Target")).toHaveValue(tokenId);
      await expect(page.getByRole("table")).toBeVisible();
      await expectNoAxeViolations(page, testInfo, "audit log, one token's history");
      await page.getByLabel("Actor").fill(NO_MATCH);
      await expect(page.getByText("No record matches the filters.")).toBeVisible();
      await expectNoAxeViolations(page, testInfo, "audit log, nothing found");
      await page.getByLabel("From").fill("2030-01-02T00:00");
      await page.getByLabel("Until").fill("2030-01-01T00:00");
      await expect(page.getByLabel("Until")).toHaveAttribute("aria-invalid", "true");
      await expectNoAxeViolations(page, testInfo, "audit log, range error");
    });

    test("a failed load with its Retry button", async ({ page }, testInfo) => {
      // Every listing fails until the test has checked the error state.
      let failing = true;
      await page.route("**/api2/*/access/tokens?*", async (route) => {
        if (failing)
          await route.fulfill({ status: 500, contentType: "application/json", body: '{"data":null,"message":"internal error"}' });
        else await route.continue();
      });
      await page.goto("/");
      const alert = page.getByRole("alert").filter({ hasText: "The server failed to answer" });
      await expect(alert.getByRole("button", { name: "Retry" })).toBeEnabled({ timeout: 20_000 });
      await expectNoAxeViolations(page, testInfo, "tokens list, load failed");
      failing = false;
      await alert.getByRole("button", { name: "Retry" }).click();
      await expect(alert).toHaveCount(0);
    });

    test("the re-login dialog of a session that ended mid-work", async ({ page, context }, testInfo) => {
      await openSettledConsole(page, "/", "API tokens");
      await tamperTicketCookie(context);
      await page.getByRole("link", { name: "Users" }).click();
      const relogin = page.getByRole("dialog", { name: "Session ended" });
      await expect(relogin).toBeVisible();
      await expectNoAxeViolations(page, testInfo, "session ended");
      await relogin.getByRole("button", { name: "Log in again" }).click();
      await expectNoAxeViolations(page, testInfo, "session ended, password missing");
      await relogin.getByLabel("Password", { exact: true }).fill(ADMIN_PASSWORD);
      await relogin.getByRole("button", { name: "Log in again" }).click();
      await expect(relogin).toHaveCount(0);
      await expectScreen(page, "Users");
    });
  });
}
