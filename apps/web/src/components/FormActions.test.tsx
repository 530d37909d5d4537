// @vitest-environment jsdom
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import "../test-support/dom.js";
import { FormActions } from "./FormActions.js";

describe("FormActions", () => {
  it("submits the form it sits in and cancels through its own button", async () => {
    const user = userEvent.setup();
    const onSubmit = vi.fn((event: { preventDefault: () => void }) => event.preventDefault());
    const onCancel = vi.fn();
    render(
      <form aria-label="Add user" onSubmit={onSubmit}>
        <FormActions onCancel={onCancel} pending={false} submitLabel="Add user" pendingLabel="Adding…" />
      </form>,
    );
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    expect(onCancel).toHaveBeenCalledOnce();
    expect(onSubmit).not.toHaveBeenCalled();
    await user.click(screen.getByRole("button", { name: "Add user" }));
    expect(onSubmit).toHaveBeenCalledOnce();
  });

  it("while pending, says what it is doing and lets neither button be pressed", () => {
    render(<FormActions onCancel={vi.fn()} pending submitLabel="Remove" pendingLabel="Removing…" variant="danger" />);
    const submit = screen.getByRole<HTMLButtonElement>("button", { name: "Removing…" });
    expect(submit.disabled).toBe(true);
    expect(submit.getAttribute("aria-busy")).toBe("true");
    expect(submit.classList.contains("button--danger")).toBe(true);
    expect(screen.getByRole<HTMLButtonElement>("button", { name: "Cancel" }).disabled).toBe(true);
  });

  it("marks Cancel as the dialog's first focus only when asked", () => {
    const { rerender } = render(<FormActions onCancel={vi.fn()} pending={false} submitLabel="Save" pendingLabel="Saving…" />);
    expect(screen.getByRole("button", { name: "Cancel" }).hasAttribute("data-autofocus")).toBe(false);
    rerender(<FormActions onCancel={vi.fn()} pending={false} submitLabel="Save" pendingLabel="Saving…" focusCancel />);
    expect(screen.getByRole("button", { name: "Cancel" }).hasAttribute("data-autofocus")).toBe(true);
  });
});
