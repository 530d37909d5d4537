import { expect, test, type Response } from "@playwright/test";
import { ADMIN_PASSWORD, ADMIN_USER, TICKET_COOKIE } from "../support/env.js";
import { LOGIN_FAILED_MESSAGE, expectLoginPage, expectScreen, logInThroughUi } from "../support/ui.js";

test.use({ storageState: { cookies: [], origins: [] } });

test("logging in through the UI leaves the ticket only in an HttpOnly host cookie", async ({ page, context }) => {
  const bodies: Promise<{ url: string; text: string }>[] = [];
  page.on("response", (response: Response) => {
    bodies.push(
      response
        .text()
        .then((text) => ({ url: response.url(), text }))
        .catch(() => ({ url: response.url(), text: "" })),
    );
  });
  const loginResponse = page.waitForResponse(
    (response) => response.url().endsWith("/api2/extjs/access/ticket") && response.request().method() === "POST",
  );

  await page.goto("/");
  await expectLoginPage(page);
  await logInThroughUi(page, ADMIN_USER, ADMIN_PASSWORD);
  await expectScreen(page, "API tokens");

  const login = await loginResponse;
  const loginText = await login.text();
  const setCookie = (await login.headerValue("set-cookie")) ?? "";
  expect(setCookie).toMatch(new RegExp(`^${TICKET_COOKIE}=`));
  expect(setCookie).not.toMatch(/expires|max-age/i);

  const cookie = (await context.cookies()).find((candidate) => candidate.name === TICKET_COOKIE);
  expect(cookie).toBeDefined();
  expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: "Lax", path: "/" });
  // A session cookie: Playwright reports -1 for "no expiry".
  expect(cookie?.expires).toBe(-1);
  const ticket = decodeURIComponent(cookie?.value ?? "");
  expect(ticket).toMatch(/^PBS:admin@pbs:[0-9A-F]{8}::/);
  const signature = ticket.slice(ticket.indexOf("::") + 2);
  expect(signature.length).toBeGreaterThan(20);

  const visible = await page.evaluate(() => ({
    cookie: document.cookie,
    local: Object.entries(localStorage),
    session: Object.entries(sessionStorage),
    html: document.documentElement.outerHTML,
  }));
  expect(visible.cookie).not.toContain("PBSAuthCookie");
  expect(visible.cookie).not.toContain(signature);
  for (const stored of [...visible.local, ...visible.session]) {
    expect(stored.join("=")).not.toContain(signature);
    expect(stored.join("=")).not.toContain("PBS:");
  }
  expect(visible.html).not.toContain(signature);

  // Reload as well, so the index page with the session meta tag is among the bodies.
  await page.reload();
  await expectScreen(page, "API tokens");
  const received = await Promise.all(bodies);
  expect(received.length).toBeGreaterThan(3);
  for (const body of received) {
    expect(body.text, `body of ${body.url}`).not.toContain(signature);
    expect(body.text, `body of ${body.url}`).not.toContain(ticket);
  }
  const loginBody = JSON.parse(loginText) as { data: Record<string, unknown> };
  expect(Object.keys(loginBody.data).sort()).toEqual(["CSRFPreventionToken", "ticket-info", "username"]);
});

test("a failed login shows one generic message whether or not the user exists", async ({ page, context }) => {
  await page.goto("/");
  await logInThroughUi(page, ADMIN_USER, "definitely-wrong-password");
  const alert = page.getByRole("alert").filter({ hasText: "Login failed" });
  await expect(alert).toHaveText(LOGIN_FAILED_MESSAGE);
  const forExistingUser = await alert.textContent();

  await logInThroughUi(page, "nobody-here", "definitely-wrong-password");
  await expect(alert).toHaveText(LOGIN_FAILED_MESSAGE);
  expect(await alert.textContent()).toBe(forExistingUser);

  await expectLoginPage(page);
  expect((await context.cookies()).some((cookie) => cookie.name === TICKET_COOKIE && cookie.value !== "")).toBe(false);
});

test("the login form asks for missing fields before sending anything", async ({ page }) => {
  let loginRequests = 0;
  page.on("request", (request) => {
    if (request.url().endsWith("/access/ticket")) loginRequests += 1;
  });
  await page.goto("/");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByText("Enter your user name.")).toBeVisible();
  await expect(page.getByText("Enter your password.")).toBeVisible();
  expect(loginRequests).toBe(0);
});
