/** Issue 18, login: runs in the desktop and the phone project. */
import { expect, test } from "@playwright/test";
import { ADMIN_PASSWORD, ADMIN_USER, ADMIN_USERID } from "../support/env.js";
import { LOGIN_FAILED_MESSAGE, expectLoginPage, expectScreen } from "../support/ui.js";

test.use({ storageState: { cookies: [], origins: [] } });

test("typing admin@pbs, the name the README gives, logs in (not as admin@pbs@pbs)", async ({ page }) => {
  const sent: unknown[] = [];
  page.on("request", (request) => {
    if (request.url().endsWith("/access/ticket") && request.method() === "POST") sent.push(request.postDataJSON());
  });
  await page.goto("/");
  await page.getByLabel("User name").fill(ADMIN_USERID);
  await page.getByLabel("Password", { exact: true }).fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expectScreen(page, "API tokens");
  expect(sent[0]).toMatchObject({ username: ADMIN_USERID });
});

test("with the one built-in realm there is no realm selector, and a bare name gets @pbs", async ({ page }) => {
  await page.goto("/");
  await expectLoginPage(page);
  await expect(page.getByLabel("Realm")).toHaveCount(0);
  await page.getByLabel("User name").fill(ADMIN_USER);
  await page.getByLabel("Password", { exact: true }).fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expectScreen(page, "API tokens");
});

test("a failed login keeps the user name and puts focus on the password, selected for retyping", async ({ page }) => {
  await page.goto("/");
  await page.getByLabel("User name").fill(ADMIN_USERID);
  const password = page.getByLabel("Password", { exact: true });
  await password.fill("not-the-password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Login failed" })).toHaveText(LOGIN_FAILED_MESSAGE);
  await expect(page.getByLabel("User name")).toHaveValue(ADMIN_USERID);
  await expect(password).toBeFocused();
  // Selected: typing replaces the wrong password instead of appending to it.
  await page.keyboard.type(ADMIN_PASSWORD);
  await expect(password).toHaveValue(ADMIN_PASSWORD);
  await expect(page.getByRole("alert").filter({ hasText: "Login failed" })).toHaveCount(0);
  await page.keyboard.press("Enter");
  await expectScreen(page, "API tokens");
});

test("an empty field is named at the field, with focus moved to it", async ({ page }) => {
  await page.goto("/");
  await page.getByLabel("User name").fill(ADMIN_USER);
  await page.getByRole("button", { name: "Log in" }).click();
  const password = page.getByLabel("Password", { exact: true });
  await expect(password).toBeFocused();
  await expect(password).toHaveAttribute("aria-invalid", "true");
  await expect(password).toHaveAccessibleDescription("Enter your password.");
  await password.fill("x");
  await expect(page.getByText("Enter your password.")).toHaveCount(0);
});
