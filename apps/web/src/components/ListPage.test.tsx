// @vitest-environment jsdom
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import "../test-support/dom.js";
import { ListPage } from "./ListPage.js";

function noop(): void {}

describe("ListPage", () => {
  it("names the section after a focusable level-1 heading", () => {
    render(
      <ListPage title="API tokens" actionLabel="Add token" onAction={noop}>
        <p>rows</p>
      </ListPage>,
    );
    const section = screen.getByRole("region", { name: "API tokens" });
    const heading = within(section).getByRole("heading", { level: 1, name: "API tokens" });
    // AppShell moves focus to `main h1` after navigation; -1 makes it focusable without a tab stop.
    expect(heading.tabIndex).toBe(-1);
    expect(within(section).getByText("rows")).toBeDefined();
  });

  it("renders the primary action enabled unless told otherwise", async () => {
    const user = userEvent.setup();
    const onAction = vi.fn();
    const { rerender } = render(
      <ListPage title="Users" actionLabel="Add user" onAction={onAction}>
        {null}
      </ListPage>,
    );
    const button = screen.getByRole<HTMLButtonElement>("button", { name: "Add user" });
    expect(button.disabled).toBe(false);
    await user.click(button);
    expect(onAction).toHaveBeenCalledOnce();

    rerender(
      <ListPage title="Users" actionLabel="Add user" onAction={onAction} actionDisabled>
        {null}
      </ListPage>,
    );
    expect(screen.getByRole<HTMLButtonElement>("button", { name: "Add user" }).disabled).toBe(true);
  });

  it("shows the intro between the header and the list only when given", () => {
    const { rerender } = render(
      <ListPage title="Permissions" actionLabel="Add permission" onAction={noop} intro="Each entry gives a role.">
        <table aria-label="permissions" />
      </ListPage>,
    );
    const intro = screen.getByText("Each entry gives a role.");
    const heading = screen.getByRole("heading", { level: 1, name: "Permissions" });
    const list = screen.getByRole("table", { name: "permissions" });
    expect(heading.compareDocumentPosition(intro) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(intro.compareDocumentPosition(list) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();

    rerender(
      <ListPage title="Permissions" actionLabel="Add permission" onAction={noop}>
        <table aria-label="permissions" />
      </ListPage>,
    );
    expect(within(screen.getByRole("region", { name: "Permissions" })).queryByRole("paragraph")).toBeNull();
    expect(screen.getByRole("table", { name: "permissions" })).toBeDefined();
  });
});
