/**
 * Issue 10, done-when: the console's tokens, users and permissions screens work at
 * 100,000 tokens. A second server is seeded through the store (support/scale-server.ts);
 * the console must find one token by search, page through the rest and never ask for
 * the whole set. How long a screen takes is measured by `pnpm bench:scale`, not here:
 * these tests wait with Playwright's deadlines and assert behaviour only.
 */
import { expect, test, type Page } from "@playwright/test";
import { ADMIN_PASSWORD, ADMIN_USERID, PORT } from "../support/env.js";
import { runnerId, startScaleServer, type ScaleServer } from "../support/scale-server.js";
import { expectScreen, logInThroughUi, rowWith } from "../support/ui.js";

const USERS = 100_000;
const SCALE_PORT = PORT + 1;
/** The largest page the listing extension serves; anything above would be the whole set. */
const MAX_PAGE = 1000;

let server: ScaleServer;

test.describe.configure({ mode: "serial", timeout: 120_000 });
test.use({ baseURL: `https://127.0.0.1:${SCALE_PORT}`, storageState: { cookies: [], origins: [] } });

test.beforeAll(async () => {
  test.setTimeout(300_000);
  server = await startScaleServer(SCALE_PORT, USERS);
});

test.afterAll(async () => {
  await server?.stop();
});

/** Every listing request the page sends, to prove each asks for one page only. */
function recordListings(page: Page): URL[] {
  const listings: URL[] = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (/\/api2\/\w+\/access\/(users|tokens)$/.test(url.pathname) && request.method() === "GET") listings.push(url);
  });
  return listings;
}

function expectOnlyPages(listings: URL[]): void {
  expect(listings.length).toBeGreaterThan(0);
  for (const url of listings) {
    const limit = Number(url.searchParams.get("limit"));
    expect(limit, `${url.pathname}${url.search}`).toBeGreaterThan(0);
    expect(limit, `${url.pathname}${url.search}`).toBeLessThanOrEqual(MAX_PAGE);
  }
}

async function logIn(page: Page): Promise<void> {
  await page.goto("/");
  await logInThroughUi(page, ADMIN_USERID, ADMIN_PASSWORD);
}

test("tokens screen at 100,000 tokens: count, search finds one token, paging", async ({ page }) => {
  const listings = recordListings(page);
  await logIn(page);
  await expectScreen(page, "API tokens");
  const count = page.getByRole("status").filter({ hasText: / of / });
  await expect(count).toHaveText("1 to 50 of 100,000 tokens");

  await page.getByRole("button", { name: "Next page" }).click();
  await expect(count).toHaveText("51 to 100 of 100,000 tokens");

  const needle = `${runnerId(54_321)}!ci`;
  await page.getByLabel("Search").fill(needle);
  await expect(count).toHaveText("1 to 1 of 1 tokens");
  await expect(rowWith(page, needle)).toBeVisible();
  expectOnlyPages(listings);
});

test("users screen at 100,000 users: count, search by comment, paging", async ({ page }) => {
  const listings = recordListings(page);
  await logIn(page);
  await page.getByRole("link", { name: "Users" }).click();
  await expectScreen(page, "Users");
  const count = page.getByRole("status").filter({ hasText: / of / });
  await expect(count).toHaveText(/^1 to \d+ of 100,001 users$/);

  await page.getByRole("button", { name: "Next page" }).click();
  await expect(count).toHaveText(/^\d+ to \d+ of 100,001 users$/);
  await expect(count).not.toHaveText(/^1 to /);

  await page.getByLabel("Search").fill("CI runner 99998");
  await expect(count).toHaveText("1 to 1 of 1 users");
  await expect(rowWith(page, runnerId(99_998))).toBeVisible();
  expectOnlyPages(listings);
});

test("permissions screen at 100,000 users: opens, and the subject picker offers a searched user", async ({ page }) => {
  const listings = recordListings(page);
  await logIn(page);
  await page.getByRole("link", { name: "Permissions" }).click();
  await expectScreen(page, "Permissions");
  await expect(rowWith(page, ADMIN_USERID)).toBeVisible();

  await page.getByRole("button", { name: "Add permission" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("User or token").fill("runner-07777");
  const subject = `${runnerId(77_770)}`;
  await expect(dialog.locator(`datalist option[value="${subject}"]`)).toHaveCount(1);
  expectOnlyPages(listings);
});
