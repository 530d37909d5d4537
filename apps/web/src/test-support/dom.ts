/**
 * For component tests under jsdom (`// @vitest-environment jsdom`): jsdom has no
 * `showModal`/`close` on `<dialog>` and no clipboard, both of which the console uses.
 * Playwright covers the real browser behaviour; these stand-ins only open and close.
 */
import { cleanup } from "@testing-library/react";
import { afterEach, vi } from "vitest";

if (typeof HTMLDialogElement !== "undefined" && typeof HTMLDialogElement.prototype.showModal !== "function") {
  HTMLDialogElement.prototype.showModal = function showModal(this: HTMLDialogElement) {
    this.setAttribute("open", "");
  };
  HTMLDialogElement.prototype.close = function close(this: HTMLDialogElement) {
    this.removeAttribute("open");
  };
}

/** Installs a clipboard whose writes the test can read back. */
export function installClipboard(): { written: string[] } {
  const written: string[] = [];
  Object.defineProperty(navigator, "clipboard", {
    configurable: true,
    value: { writeText: vi.fn((text: string) => Promise.resolve(void written.push(text))) },
  });
  return { written };
}

/** What the browser does for Escape on a modal dialog: a cancelable `cancel` event. */
export function pressEscapeOn(dialog: HTMLElement): void {
  dialog.dispatchEvent(new Event("cancel", { cancelable: true }));
}

afterEach(() => {
  cleanup();
});
