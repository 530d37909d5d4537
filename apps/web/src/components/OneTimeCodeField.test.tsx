// @vitest-environment jsdom
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import "../test-support/dom.js";
import { OneTimeCodeField } from "./OneTimeCodeField.js";

describe("OneTimeCodeField", () => {
  it("is a text box for digits that a browser may fill with a one-time code", () => {
    render(<OneTimeCodeField label="Authentication code" value="" onChange={vi.fn()} hint="The 6-digit code your app shows." />);
    const input = screen.getByRole<HTMLInputElement>("textbox", { name: "Authentication code" });
    expect(input.inputMode).toBe("numeric");
    expect(input.autocomplete).toBe("one-time-code");
    expect(input.getAttribute("aria-describedby")).toBe(screen.getByText("The 6-digit code your app shows.").id);
  });

  it("hands every edit to the form, and shows a refusal as the field's error", async () => {
    const user = userEvent.setup();
    const onChange = vi.fn();
    const { rerender } = render(<OneTimeCodeField label="Code from the app" value="" onChange={onChange} />);
    await user.type(screen.getByRole("textbox", { name: "Code from the app" }), "1");
    expect(onChange).toHaveBeenCalledWith("1");

    rerender(<OneTimeCodeField label="Code from the app" value="123456" onChange={onChange} error="The code did not match." />);
    const input = screen.getByRole("textbox", { name: "Code from the app" });
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(input.getAttribute("aria-describedby")).toBe(screen.getByText("The code did not match.").id);
  });
});
