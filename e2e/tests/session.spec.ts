import { expect, test } from "@playwright/test";
import { ADMIN_PASSWORD, ADMIN_USER, TICKET_COOKIE } from "../support/env.js";
import { expectLoginPage, expectScreen, logInThroughUi } from "../support/ui.js";

test("a reload keeps the session without any script-readable credential", async ({ page }) => {
  await page.goto("/users");
  await expectScreen(page, "Users");
  await page.reload();
  await expectScreen(page, "Users");
  await expect(page.getByRole("row", { name: /admin@pbs/ })).toBeVisible();
  const exposed = await page.evaluate(() => ({
    cookie: document.cookie,
    storage: localStorage.length + sessionStorage.length,
    meta: document.querySelector('meta[name="gatehouse-session"]') !== null,
  }));
  expect(exposed.cookie).not.toContain("PBSAuthCookie");
  expect(exposed.storage).toBe(0);
  // The SPA takes the CSRF token into memory and drops the tag.
  expect(exposed.meta).toBe(false);
});

test.describe("logout", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("logout clears the cookie and Back does not show protected data", async ({ page, context }) => {
    await page.goto("/");
    await logInThroughUi(page, ADMIN_USER, ADMIN_PASSWORD);
    await expectScreen(page, "API tokens");
    await page.getByRole("link", { name: "Users" }).click();
    await expectScreen(page, "Users");
    await expect(page.getByRole("row", { name: /admin@pbs/ })).toBeVisible();

    const logout = page.waitForResponse(
      (response) => response.url().endsWith("/access/ticket") && response.request().method() === "DELETE",
    );
    await page.getByRole("button", { name: "Log out" }).click();
    expect((await logout).status()).toBe(200);
    await expectLoginPage(page);
    const cookies = await context.cookies();
    expect(cookies.filter((cookie) => cookie.name === TICKET_COOKIE && cookie.value !== "")).toEqual([]);

    await page.goBack();
    await expectLoginPage(page);
    await expect(page.getByRole("table")).toHaveCount(0);
    await expect(page.getByText("admin@pbs")).toHaveCount(0);

    // A full reload of the protected address asks the server, which has no cookie now.
    await page.reload();
    await expectLoginPage(page);
    await expect(page.getByRole("table")).toHaveCount(0);
  });
});

test("the ticket is renewed every 15 minutes while the console is open", async ({ page }) => {
  const renewals: { hasPassword: boolean; httpOnly: unknown }[] = [];
  const responses: { status: number; setCookie: string | null }[] = [];
  page.on("request", (request) => {
    if (request.url().endsWith("/api2/extjs/access/ticket") && request.method() === "POST") {
      const body = request.postDataJSON() as Record<string, unknown>;
      renewals.push({ hasPassword: "password" in body, httpOnly: body["http-only"] });
    }
  });
  page.on("response", (response) => {
    if (response.url().endsWith("/api2/extjs/access/ticket") && response.request().method() === "POST") {
      void response.headerValue("set-cookie").then((setCookie) => responses.push({ status: response.status(), setCookie }));
    }
  });
  await page.clock.install();
  await page.goto("/");
  await expectScreen(page, "API tokens");
  // A session restored from the index page is renewed once at start.
  await expect.poll(() => responses.length).toBe(1);

  await page.clock.runFor(15 * 60_000);
  await expect.poll(() => responses.length).toBe(2);
  expect(responses[1]?.status).toBe(200);
  expect(responses[1]?.setCookie).toMatch(new RegExp(`^${TICKET_COOKIE}=PBS`));
  expect(renewals).toHaveLength(2);
  expect(renewals.every((renewal) => !renewal.hasPassword && renewal.httpOnly === true)).toBe(true);
  await expectScreen(page, "API tokens");
});
