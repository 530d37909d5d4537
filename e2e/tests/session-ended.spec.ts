import { createPrivateKey, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { ADMIN_PASSWORD, ADMIN_USERID, resolveDataDir } from "../support/env.js";
import { openSettledConsole, replaceTicketCookie, tamperTicketCookie } from "../support/session.js";
import { expectLoginPage } from "../support/ui.js";

/**
 * A ticket with a valid signature from the server's own key but issued 3 hours ago,
 * past the 2-hour lifetime: the server must refuse it for its age alone.
 */
function forgeExpiredTicket(): string {
  const keyPem = readFileSync(join(resolveDataDir(), "authkey.key"), "utf8");
  const issued = Math.floor(Date.now() / 1000) - 3 * 3600;
  const data = `PBS:${ADMIN_USERID}:${issued.toString(16).toUpperCase().padStart(8, "0")}`;
  const signature = sign(null, Buffer.from(data, "utf8"), createPrivateKey(keyPem)).toString("base64").replace(/=+$/, "");
  return `${data}::${signature}`;
}

test("a tampered cookie opens the re-login dialog; Log out instead leaves no data on screen", async ({ page, context }) => {
  await openSettledConsole(page, "/", "API tokens");
  await tamperTicketCookie(context);

  await page.getByRole("link", { name: "Users" }).click();
  const relogin = page.getByRole("dialog", { name: "Session ended" });
  await expect(relogin).toBeVisible();
  await expect(relogin.getByLabel("User name")).toHaveValue(ADMIN_USERID);
  await relogin.getByRole("button", { name: "Log out instead" }).click();
  await expectLoginPage(page);
  await expect(page.getByRole("table")).toHaveCount(0);
});

test("an expired cookie mid-form: log in again in the dialog and the typed form is still there", async ({ page, context }) => {
  await openSettledConsole(page, "/", "API tokens");
  await page.getByRole("button", { name: "Add token" }).click();
  const add = page.getByRole("dialog", { name: "Add API token" });
  const name = `kept-${Date.now().toString(36)}`;
  await add.getByLabel("Token name").fill(name);
  await add.getByLabel("Comment").fill("typed before the session ended");
  await replaceTicketCookie(context, forgeExpiredTicket());

  await add.getByRole("button", { name: "Create token" }).click();
  const relogin = page.getByRole("dialog", { name: "Session ended" });
  await expect(relogin).toBeVisible();
  await expect(relogin.getByLabel("Password", { exact: true })).toBeFocused();
  await relogin.getByLabel("Password", { exact: true }).fill(ADMIN_PASSWORD);
  await relogin.getByRole("button", { name: "Log in again" }).click();
  await expect(relogin).toHaveCount(0);

  await expect(add.getByLabel("Token name")).toHaveValue(name);
  await expect(add.getByLabel("Comment")).toHaveValue("typed before the session ended");
  await add.getByRole("button", { name: "Create token" }).click();
  const secretDialog = page.getByRole("dialog", { name: "Token created" });
  await expect(secretDialog.getByLabel("Token ID")).toHaveValue(`${ADMIN_USERID}!${name}`);
  await secretDialog.getByRole("button", { name: "I have copied the secret" }).click();
  await page.getByRole("button", { name: `Remove ${ADMIN_USERID}!${name}` }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Remove token" }).click();
});

test("a reload with a tampered cookie shows the login page and no data", async ({ page, context }) => {
  await openSettledConsole(page, "/", "API tokens");
  await replaceTicketCookie(context, "PBS:admin@pbs:00000000::bm90LWEtc2lnbmF0dXJl");
  await page.reload();
  await expectLoginPage(page);
  await expect(page.getByRole("table")).toHaveCount(0);
});
