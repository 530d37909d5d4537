/**
 * Issue 18, "a 500 shows 'internal error' with no Retry": a list whose load fails
 * with HTTP 500 says the server failed and offers Retry, and Retry really asks the
 * server again. Runs in the desktop and the phone project.
 */
import { expect, test, type Request } from "@playwright/test";
import { expectScreen } from "../support/ui.js";

const SCREENS = [
  { path: "/", title: "API tokens", listing: "/access/tokens" },
  { path: "/users", title: "Users", listing: "/access/users" },
  { path: "/permissions", title: "Permissions", listing: "/access/acl" },
  { path: "/audit", title: "Audit log", listing: "/access/audit" },
] as const;

function isListing(request: Request, listing: string): boolean {
  return request.method() === "GET" && new URL(request.url()).pathname.endsWith(listing);
}

for (const { path, title, listing } of SCREENS) {
  test(`${title}: a load failing with HTTP 500 shows a clear error, and Retry loads the list`, async ({ page }) => {
    // The listing fails until the error is on screen: the first try and the
    // automatic retries of the query all get the 500.
    let failing = true;
    let failed = 0;
    let answeredAfterRetry = 0;
    await page.route(
      (url) => url.pathname.endsWith(listing),
      async (route) => {
        if (!isListing(route.request(), listing)) return route.continue();
        if (failing) {
          failed += 1;
          return route.fulfill({ status: 500, contentType: "application/json", body: '{"data":null,"message":"internal error"}' });
        }
        answeredAfterRetry += 1;
        return route.continue();
      },
    );
    await page.goto(path);
    await expectScreen(page, title);
    const alert = page.getByRole("alert").filter({ hasText: "The server failed to answer (HTTP 500: internal error)" });
    const retry = alert.getByRole("button", { name: "Retry" });
    await expect(retry).toBeEnabled({ timeout: 20_000 });
    await expect(page.getByRole("table")).toHaveCount(0);
    expect(failed).toBeGreaterThan(0);
    // Nothing is sent again on its own once the error shows: Retry is the user's call.
    const failedBeforeRetry = failed;

    failing = false;
    await retry.click();
    await expect(alert).toHaveCount(0);
    await expect(page.getByRole("table").or(page.getByText(/^No .* yet|is empty\./))).toBeVisible();
    expect(failed).toBe(failedBeforeRetry);
    expect(answeredAfterRetry).toBeGreaterThan(0);
  });
}
