/**
 * Issue 18, the token screen: true status, the secret hand-over, the duplicate name at
 * its field, regenerating an expired or disabled token, expiry presets. Runs in the
 * desktop and the phone project.
 */
import { expect, test, type Page } from "@playwright/test";
import { fetchVersionStatusWithToken, openApiSession, type ApiSession } from "../support/api.js";
import { ADMIN_USERID } from "../support/env.js";
import { escapeRegExp, expectScreen, rowWith, uniqueName } from "../support/ui.js";

let admin: ApiSession;

test.beforeAll(async () => {
  admin = await openApiSession();
});

test.afterAll(async () => {
  await admin.dispose();
});

async function searchFor(page: Page, text: string): Promise<void> {
  const search = page.getByLabel("Search");
  if ((await search.count()) > 0) await search.fill(text);
}

async function openAddToken(page: Page, name: string) {
  await page.getByRole("button", { name: "Add token" }).click();
  const dialog = page.getByRole("dialog", { name: "Add API token" });
  await dialog.getByLabel("User").selectOption(ADMIN_USERID);
  await dialog.getByLabel("Token name").fill(name);
  return dialog;
}

test("tokens of a disabled user show Owner disabled, as the server refuses them", async ({ page }) => {
  const owner = `${uniqueName("owner")}@pbs`;
  await admin.api.createUser({ userid: owner });
  const created = await admin.api.createToken(owner, "job");
  try {
    await admin.api.updateUser(owner, { enable: false });
    expect(await fetchVersionStatusWithToken(created.tokenid, created.value)).toBe(401);
    await page.goto("/");
    await expectScreen(page, "API tokens");
    await searchFor(page, owner);
    await expect(rowWith(page, created.tokenid)).toContainText("Owner disabled");
    await expect(rowWith(page, created.tokenid)).not.toContainText("Active");
  } finally {
    await admin.api.deleteUser(owner);
  }
});

test("a token expiring in 5 days says so in its status", async ({ page }) => {
  const name = uniqueName("soon");
  const expire = Math.floor(Date.now() / 1000) + 5 * 86_400 + 3600;
  await admin.api.createToken(ADMIN_USERID, name, { expire });
  try {
    await page.goto("/");
    await searchFor(page, name);
    await expect(rowWith(page, `${ADMIN_USERID}!${name}`)).toContainText("Expires in 5 d");
  } finally {
    await admin.api.deleteToken(ADMIN_USERID, name);
  }
});

test("the secret dialog does not close on Escape, the x or a backdrop click until copied or confirmed", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const name = uniqueName("handover");
  const tokenid = `${ADMIN_USERID}!${name}`;
  await page.goto("/");
  const add = await openAddToken(page, name);
  await add.getByRole("button", { name: "Create token" }).click();
  const secretDialog = page.getByRole("dialog", { name: "Token created" });
  await expect(secretDialog).toBeVisible();

  await page.keyboard.press("Escape");
  await expect(secretDialog).toBeVisible();
  const question = secretDialog.getByRole("alert");
  await expect(question).toContainText("The secret has not been copied");
  await expect(question.getByRole("button", { name: "Keep it open" })).toBeFocused();
  await question.getByRole("button", { name: "Keep it open" }).click();

  await secretDialog.getByRole("button", { name: "Close dialog" }).click();
  await expect(question).toBeVisible();
  await question.getByRole("button", { name: "Keep it open" }).click();

  // The backdrop: a point outside the dialog box.
  await page.mouse.click(3, 3);
  await expect(secretDialog).toBeVisible();
  await expect(question).toBeVisible();
  await question.getByRole("button", { name: "Keep it open" }).click();

  // Masked until revealed; copied in the header form.
  const secretField = secretDialog.getByLabel("Secret");
  await expect(secretField).toHaveAttribute("type", "password");
  await secretDialog.getByRole("button", { name: "Reveal" }).click();
  await expect(secretField).toHaveAttribute("type", "text");
  const secret = await secretField.inputValue();
  await secretDialog.getByRole("button", { name: "Copy as header" }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`PBSAPIToken=${tokenid}:${secret}`);

  // Copied: now Escape closes.
  await page.keyboard.press("Escape");
  await expect(secretDialog).toHaveCount(0);
  expect(await fetchVersionStatusWithToken(tokenid, secret)).toBe(200);
  await admin.api.deleteToken(ADMIN_USERID, name);
});

test("a duplicate token name is shown at the name field, not as a concurrent change", async ({ page }) => {
  const name = uniqueName("dup");
  await admin.api.createToken(ADMIN_USERID, name);
  try {
    await page.goto("/");
    const add = await openAddToken(page, name);
    await add.getByRole("button", { name: "Create token" }).click();
    const field = add.getByLabel("Token name");
    await expect(field).toHaveAttribute("aria-invalid", "true");
    await expect(field).toHaveAccessibleDescription(new RegExp(`already has a token named ${escapeRegExp(name)}`));
    await expect(field).toBeFocused();
    await expect(add.getByText(/Someone else changed/)).toHaveCount(0);
    // Stale errors go as soon as the field is edited.
    await field.fill(`${name}-2`);
    await expect(field).not.toHaveAttribute("aria-invalid", "true");
    await expect(add.getByText(/already has a token/)).toHaveCount(0);
  } finally {
    await admin.api.deleteToken(ADMIN_USERID, name);
  }
});

test("regenerating an expired token warns and sets a new expiry, so the new secret works", async ({ page }) => {
  const name = uniqueName("stale");
  const tokenid = `${ADMIN_USERID}!${name}`;
  await admin.api.createToken(ADMIN_USERID, name, { expire: Math.floor(Date.now() / 1000) - 60 });
  try {
    await page.goto("/");
    await searchFor(page, name);
    await expect(rowWith(page, tokenid)).toContainText("Expired");
    await page.getByRole("button", { name: `Regenerate secret of ${tokenid}` }).click();
    const confirm = page.getByRole("alertdialog", { name: "Regenerate secret?" });
    await expect(confirm.getByRole("note")).toContainText("has expired");
    await expect(confirm.getByLabel("New expiry")).toHaveValue("90d");
    await confirm.getByRole("button", { name: "Regenerate secret" }).click();
    const secretDialog = page.getByRole("dialog", { name: "New token secret" });
    const secret = await secretDialog.getByLabel("Secret").inputValue();
    await secretDialog.getByRole("button", { name: "I have copied the secret" }).click();
    expect(await fetchVersionStatusWithToken(tokenid, secret)).toBe(200);
    await expect(rowWith(page, tokenid)).toContainText("Active");
  } finally {
    await admin.api.deleteToken(ADMIN_USERID, name);
  }
});

test("regenerating a disabled token offers to enable it again", async ({ page }) => {
  const name = uniqueName("off");
  const tokenid = `${ADMIN_USERID}!${name}`;
  await admin.api.createToken(ADMIN_USERID, name, { enable: false });
  try {
    await page.goto("/");
    await searchFor(page, name);
    await expect(rowWith(page, tokenid)).toContainText("Disabled");
    await page.getByRole("button", { name: `Regenerate secret of ${tokenid}` }).click();
    const confirm = page.getByRole("alertdialog", { name: "Regenerate secret?" });
    await expect(confirm.getByRole("note")).toContainText("is disabled");
    await expect(confirm.getByLabel("Enable the token again")).toBeChecked();
    await confirm.getByRole("button", { name: "Regenerate secret" }).click();
    const secretDialog = page.getByRole("dialog", { name: "New token secret" });
    const secret = await secretDialog.getByLabel("Secret").inputValue();
    await secretDialog.getByRole("button", { name: "I have copied the secret" }).click();
    expect(await fetchVersionStatusWithToken(tokenid, secret)).toBe(200);
  } finally {
    await admin.api.deleteToken(ADMIN_USERID, name);
  }
});

test("expiry presets: 30 days is stored as 30 days from now", async ({ page }) => {
  const name = uniqueName("preset");
  await page.goto("/");
  const add = await openAddToken(page, name);
  const options = await add.getByLabel("Expires").locator("option").allTextContents();
  expect(options).toEqual(["Never", "In 30 days", "In 90 days", "In 1 year", "On a date…"]);
  await add.getByLabel("Expires").selectOption({ label: "In 30 days" });
  const before = Math.floor(Date.now() / 1000);
  await add.getByRole("button", { name: "Create token" }).click();
  await page.getByRole("dialog", { name: "Token created" }).getByRole("button", { name: "I have copied the secret" }).click();
  const stored = (await admin.api.readToken(ADMIN_USERID, name)).data;
  expect(stored.expire).toBeGreaterThanOrEqual(before + 30 * 86_400 - 5);
  expect(stored.expire).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 30 * 86_400 + 5);
  await admin.api.deleteToken(ADMIN_USERID, name);
});
