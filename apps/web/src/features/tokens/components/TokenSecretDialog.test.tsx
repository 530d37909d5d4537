// @vitest-environment jsdom
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { installClipboard, pressEscapeOn } from "../../../test-support/dom.js";
import { TokenSecretDialog } from "./TokenSecretDialog.js";

const TOKENID = "admin@pbs!ci";
const SECRET = "0f6c1a52-3b0d-4c5e-9f1a-2b3c4d5e6f70";

function renderDialog() {
  const onClose = vi.fn();
  render(<TokenSecretDialog tokenid={TOKENID} secret={SECRET} regenerated={false} onClose={onClose} />);
  return { onClose, dialog: screen.getByRole("dialog", { name: "Token created" }) };
}

describe("TokenSecretDialog", () => {
  it("does not close on Escape or the close button before the secret was copied, and asks instead (issue 18)", async () => {
    const user = userEvent.setup();
    const { onClose, dialog } = renderDialog();
    pressEscapeOn(dialog);
    const question = await screen.findByRole("alert");
    expect(question.textContent).toContain("The secret has not been copied");
    expect(onClose).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(within(question).getByRole("button", { name: "Keep it open" }));

    await user.click(within(question).getByRole("button", { name: "Keep it open" }));
    expect(screen.queryByRole("alert")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Close dialog" }));
    await user.click(screen.getByRole("button", { name: "Close without copying" }));
    expect(onClose).toHaveBeenCalledOnce();
  });

  it("closes on Escape once the secret was copied", async () => {
    const user = userEvent.setup();
    const clipboard = installClipboard();
    const { onClose, dialog } = renderDialog();
    await user.click(screen.getByRole("button", { name: "Copy secret" }));
    expect(clipboard.written).toEqual([SECRET]);
    pressEscapeOn(dialog);
    expect(onClose).toHaveBeenCalledOnce();
  });

  it("masks the secret until revealed and copies the header form too", async () => {
    const user = userEvent.setup();
    const clipboard = installClipboard();
    renderDialog();
    const secretField = screen.getByLabelText("Secret");
    expect(secretField.getAttribute("type")).toBe("password");
    const reveal = screen.getByRole("button", { name: "Reveal" });
    expect(reveal.getAttribute("aria-pressed")).toBe("false");
    await user.click(reveal);
    expect(secretField.getAttribute("type")).toBe("text");
    expect(screen.getByRole("button", { name: "Hide" }).getAttribute("aria-pressed")).toBe("true");

    await user.click(screen.getByRole("button", { name: "Copy as header" }));
    expect(clipboard.written).toEqual([`PBSAPIToken=${TOKENID}:${SECRET}`]);
  });

  it("closes at once through the explicit confirmation button", async () => {
    const user = userEvent.setup();
    const { onClose } = renderDialog();
    await user.click(screen.getByRole("button", { name: "I have copied the secret" }));
    expect(onClose).toHaveBeenCalledOnce();
  });
});
