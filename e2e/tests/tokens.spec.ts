import { expect, test, type Page } from "@playwright/test";
import { fetchVersionStatusWithToken } from "../support/api.js";
import { ADMIN_USERID } from "../support/env.js";
import { expectScreen, uniqueName } from "../support/ui.js";

async function readSecretDialog(page: Page): Promise<{ tokenid: string; secret: string }> {
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByText("shown only once")).toBeVisible();
  const tokenid = await dialog.getByLabel("Token ID").inputValue();
  const secret = await dialog.getByLabel("Secret").inputValue();
  return { tokenid, secret };
}

function countTokenWrites(page: Page): () => number {
  let writes = 0;
  page.on("request", (request) => {
    if (request.method() !== "GET" && /\/access\/users\/[^/]+\/token\//.test(request.url())) writes += 1;
  });
  return () => writes;
}

test("the full token lifecycle: create, use, regenerate, edit, remove", async ({ page, context }) => {
  const name = uniqueName("e2e-ci");
  const tokenid = `${ADMIN_USERID}!${name}`;
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.goto("/");
  await expectScreen(page, "API tokens");

  // Create.
  await page.getByRole("button", { name: "Add token" }).click();
  const addDialog = page.getByRole("dialog", { name: "Add API token" });
  await addDialog.getByLabel("User").selectOption(ADMIN_USERID);
  await addDialog.getByLabel("Token name").fill(name);
  await addDialog.getByLabel("Comment").fill("made by the e2e suite");
  await addDialog.getByRole("button", { name: "Create token" }).click();
  const created = await readSecretDialog(page);
  expect(created.tokenid).toBe(tokenid);
  expect(created.secret).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

  await page.getByRole("button", { name: "Copy secret" }).click();
  await expect(page.getByText("Copied", { exact: true })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(created.secret);
  await page.getByRole("button", { name: "I have copied the secret" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);

  const row = page.getByRole("row", { name: new RegExp(name) });
  await expect(row).toContainText("made by the e2e suite");
  await expect(row).toContainText("Active");
  expect(await fetchVersionStatusWithToken(created.tokenid, created.secret)).toBe(200);

  // Permissions of a new token: none.
  await page.getByRole("button", { name: `Show permissions of ${tokenid}` }).click();
  await expect(page.getByRole("dialog").getByText("This token has no privileges")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog")).toHaveCount(0);

  // Regenerate: the danger confirmation, then the new secret once.
  await page.getByRole("button", { name: `Regenerate secret of ${tokenid}` }).click();
  const confirm = page.getByRole("alertdialog", { name: "Regenerate secret?" });
  await expect(confirm).toContainText("uses the old secret loses access");
  await confirm.getByRole("button", { name: "Regenerate secret" }).click();
  const regenerated = await readSecretDialog(page);
  expect(regenerated.tokenid).toBe(tokenid);
  expect(regenerated.secret).not.toBe(created.secret);
  await page.getByRole("button", { name: "I have copied the secret" }).click();
  expect(await fetchVersionStatusWithToken(tokenid, created.secret)).toBe(401);
  expect(await fetchVersionStatusWithToken(tokenid, regenerated.secret)).toBe(200);

  // Edit: the table follows without a reload, and a disabled token is refused.
  await page.getByRole("button", { name: `Edit ${tokenid}` }).click();
  const editDialog = page.getByRole("dialog", { name: `Edit token ${tokenid}` });
  await editDialog.getByLabel("Comment").fill("edited comment");
  await editDialog.getByLabel("Enabled").uncheck();
  await editDialog.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await expect(row).toContainText("edited comment");
  await expect(row).toContainText("Disabled");
  expect(await fetchVersionStatusWithToken(tokenid, regenerated.secret)).toBe(401);
  await page.getByRole("button", { name: `Edit ${tokenid}` }).click();
  await editDialog.getByLabel("Enabled").check();
  await editDialog.getByRole("button", { name: "Save" }).click();
  await expect(row).toContainText("Active");
  expect(await fetchVersionStatusWithToken(tokenid, regenerated.secret)).toBe(200);

  // Remove.
  await page.getByRole("button", { name: `Remove ${tokenid}` }).click();
  await page.getByRole("alertdialog", { name: "Remove token?" }).getByRole("button", { name: "Remove token" }).click();
  await expect(row).toHaveCount(0);
  expect(await fetchVersionStatusWithToken(tokenid, regenerated.secret)).toBe(401);
});

test("bad token names and past expiry dates are refused before any request", async ({ page }) => {
  const writes = countTokenWrites(page);
  await page.goto("/");
  await page.getByRole("button", { name: "Add token" }).click();
  const dialog = page.getByRole("dialog", { name: "Add API token" });

  await dialog.getByLabel("Token name").fill("-starts-with-dash");
  await dialog.getByRole("button", { name: "Create token" }).click();
  await expect(dialog.getByText(/Token names use letters/)).toBeVisible();
  await expect(dialog.getByLabel("Token name")).toHaveAttribute("aria-invalid", "true");

  await dialog.getByLabel("Token name").fill("has space");
  await dialog.getByRole("button", { name: "Create token" }).click();
  await expect(dialog.getByText(/Token names use letters/)).toBeVisible();

  await dialog.getByLabel("Token name").fill(uniqueName("past"));
  await dialog.getByLabel("Expires").selectOption({ label: "On a date…" });
  await dialog.getByLabel("Expiry date").fill("2001-02-03T04:05");
  await dialog.getByRole("button", { name: "Create token" }).click();
  await expect(dialog.getByText(/expiry date is in the past/)).toBeVisible();
  expect(writes()).toBe(0);
});

test("a refused create is explained inside the dialog, not as a blank page", async ({ page }) => {
  const name = uniqueName("dup");
  await page.goto("/");
  for (let attempt = 0; attempt < 2; attempt += 1) {
    await page.getByRole("button", { name: "Add token" }).click();
    const dialog = page.getByRole("dialog", { name: "Add API token" });
    await dialog.getByLabel("User").selectOption(ADMIN_USERID);
    await dialog.getByLabel("Token name").fill(name);
    await dialog.getByRole("button", { name: "Create token" }).click();
    if (attempt === 0) {
      await readSecretDialog(page);
      await page.getByRole("button", { name: "I have copied the secret" }).click();
    }
  }
  const dialog = page.getByRole("dialog", { name: "Add API token" });
  await expect(dialog.getByLabel("Token name")).toHaveAccessibleDescription(/already has a token named/);
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expectScreen(page, "API tokens");
  await page.getByRole("button", { name: `Remove ${ADMIN_USERID}!${name}` }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Remove token" }).click();
  await expect(page.getByRole("row", { name: new RegExp(name) })).toHaveCount(0);
});

test("dialogs work by keyboard: focus moves in, Escape closes, focus returns to the opener", async ({ page }) => {
  await page.goto("/");
  await expectScreen(page, "API tokens");
  const opener = page.getByRole("button", { name: "Add token" });
  await opener.focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Add API token" });
  await expect(dialog).toBeVisible();
  expect(await dialog.evaluate((element) => element.contains(document.activeElement))).toBe(true);
  await expect(dialog.getByLabel("User")).toBeFocused();

  await page.keyboard.press("Tab");
  await expect(dialog.getByLabel("Token name")).toBeFocused();
  await page.keyboard.type("typed-by-keyboard");
  await expect(dialog.getByLabel("Token name")).toHaveValue("typed-by-keyboard");

  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
  await expect(opener).toBeFocused();
});
