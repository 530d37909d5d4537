/**
 * Issue 18, lists: search, sort, status filter, row count and paging from the server
 * (never the whole set), and focus to the next row after a delete. Runs in the
 * desktop and the phone project.
 */
import { expect, test } from "@playwright/test";
import { openApiSession, type ApiSession } from "../support/api.js";
import { expectScreen, rowWith, uniqueName } from "../support/ui.js";

const TOKENS = 60;
let admin: ApiSession;
let owner: string;

function tokenName(index: number): string {
  return `t${String(index).padStart(3, "0")}`;
}

test.beforeAll(async () => {
  admin = await openApiSession();
  owner = `${uniqueName("lister")}@pbs`;
  await admin.api.createUser({ userid: owner });
  for (let index = 0; index < TOKENS; index += 1) {
    await admin.api.createToken(owner, tokenName(index), { enable: index % 10 !== 0, comment: `job ${index}` });
  }
});

test.afterAll(async () => {
  await admin.api.deleteUser(owner);
  await admin.dispose();
});

test("search, count, paging, sort and status filter come from the server, one page at a time", async ({ page }) => {
  const listings: URL[] = [];
  page.on("request", (request) => {
    if (request.url().includes("/access/tokens")) listings.push(new URL(request.url()));
  });
  await page.goto("/");
  await expectScreen(page, "API tokens");
  await page.getByLabel("Search").fill(owner);
  const count = page.getByRole("status").filter({ hasText: / of / });
  await expect(count).toHaveText(`1 to 50 of ${TOKENS} tokens`);
  await expect(rowWith(page, `${owner}!t000`)).toBeVisible();

  await page.getByRole("button", { name: "Next page" }).click();
  await expect(count).toHaveText(`51 to ${TOKENS} of ${TOKENS} tokens`);
  await expect(page.getByRole("button", { name: "Next page" })).toBeDisabled();
  await page.getByRole("button", { name: "Previous page" }).click();
  await expect(count).toHaveText(`1 to 50 of ${TOKENS} tokens`);

  await page.getByRole("button", { name: "Token", exact: true }).click();
  await expect(page.getByRole("columnheader", { name: /Token/ })).toHaveAttribute("aria-sort", "descending");
  await expect(page.getByRole("row").nth(1)).toContainText(`${owner}!${tokenName(TOKENS - 1)}`);

  await page.getByLabel("Status").selectOption("disabled");
  await expect(count).toHaveText(`1 to ${TOKENS / 10} of ${TOKENS / 10} tokens`);

  // Every listing asked for one page, never for everything.
  expect(listings.length).toBeGreaterThan(0);
  for (const url of listings) expect(Number(url.searchParams.get("limit"))).toBeLessThanOrEqual(50);
});

test("after a remove, focus goes to the row that took its place and a toast says so", async ({ page }) => {
  await page.goto("/");
  await page.getByLabel("Search").fill(`${owner}!t00`);
  const removed = `${owner}!t003`;
  await page.getByRole("button", { name: `Remove ${removed}` }).click();
  await page.getByRole("alertdialog", { name: "Remove token?" }).getByRole("button", { name: "Remove token" }).click();
  await expect(rowWith(page, removed)).toHaveCount(0);
  await expect(page.getByRole("rowheader", { name: `${owner}!t004` })).toBeFocused();
  await expect(page.getByRole("status").filter({ hasText: `Token ${removed} removed.` })).toBeVisible();
});
