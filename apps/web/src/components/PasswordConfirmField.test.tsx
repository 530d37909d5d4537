// @vitest-environment jsdom
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";
import "../test-support/dom.js";
import { PasswordConfirmField, type PasswordConfirmFieldProps } from "./PasswordConfirmField.js";

/** The field with its own state, as a form holds it, reporting every edit. */
function ControlledField(props: Omit<PasswordConfirmFieldProps, "value" | "onChange"> & { onEdit: (value: string) => void }) {
  const { onEdit, ...rest } = props;
  const [value, setValue] = useState("");
  return (
    <PasswordConfirmField
      {...rest}
      value={value}
      onChange={(next) => {
        setValue(next);
        onEdit(next);
      }}
    />
  );
}

describe("PasswordConfirmField", () => {
  it("is a password input named Your password that the browser may fill with the current password", async () => {
    const user = userEvent.setup();
    const onEdit = vi.fn();
    render(<ControlledField onEdit={onEdit} />);
    // A password input has no role; its label is how users and tests find it.
    const input = screen.getByLabelText<HTMLInputElement>("Your password");
    expect(input.type).toBe("password");
    expect(input.autocomplete).toBe("current-password");
    await user.type(input, "s3cret");
    expect(input.value).toBe("s3cret");
    expect(onEdit).toHaveBeenLastCalledWith("s3cret");
  });

  it("says why it asks through its description, and a refusal marks it invalid with the reason read out", () => {
    const { rerender } = render(<PasswordConfirmField value="" onChange={vi.fn()} hint="Changes need your password again." />);
    const input = screen.getByLabelText("Your password");
    expect(input.getAttribute("aria-invalid")).toBeNull();
    expect(screen.getByText("Changes need your password again.").id).toBe(input.getAttribute("aria-describedby"));

    rerender(
      <PasswordConfirmField
        value="x"
        onChange={vi.fn()}
        hint="Changes need your password again."
        error="That is not your current password."
      />,
    );
    expect(input.getAttribute("aria-invalid")).toBe("true");
    const describedBy = (input.getAttribute("aria-describedby") ?? "").split(" ");
    expect(describedBy).toContain(screen.getByText("That is not your current password.").id);
  });

  it("takes another label where the form has other password fields", () => {
    render(<PasswordConfirmField value="" onChange={vi.fn()} label="Your current password" />);
    expect(screen.getByLabelText<HTMLInputElement>("Your current password").autocomplete).toBe("current-password");
    expect(screen.queryByLabelText("Your password")).toBeNull();
  });
});
