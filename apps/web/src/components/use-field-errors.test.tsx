// @vitest-environment jsdom
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState, type FormEvent } from "react";
import { describe, expect, it } from "vitest";
import "../test-support/dom.js";
import { TextField } from "./TextField.js";
import { useFieldErrors } from "./use-field-errors.js";

function NameForm() {
  const [name, setName] = useState("");
  const [comment, setComment] = useState("");
  const { errors, report, setAndClear, formRef } = useFieldErrors<"name" | "comment">();
  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    report({ name: name === "" ? "Enter a name." : null, comment: comment === "" ? "Enter a comment." : null });
  }
  return (
    <form ref={formRef} aria-label="Name" onSubmit={handleSubmit} noValidate>
      <TextField label="Name" value={name} onChange={setAndClear("name", setName)} error={errors.name} />
      <TextField label="Comment" value={comment} onChange={setAndClear("comment", setComment)} error={errors.comment} />
      <button type="submit">Save</button>
    </form>
  );
}

describe("useFieldErrors", () => {
  it("focuses the first invalid field after a submit, and an edit clears that field's error only", async () => {
    const user = userEvent.setup();
    render(<NameForm />);
    await user.click(screen.getByRole("button", { name: "Save" }));
    const name = screen.getByRole("textbox", { name: "Name" });
    const comment = screen.getByRole("textbox", { name: "Comment" });
    expect(document.activeElement).toBe(name);
    expect(name.getAttribute("aria-invalid")).toBe("true");
    expect(comment.getAttribute("aria-invalid")).toBe("true");

    await user.type(name, "a");
    expect((name as HTMLInputElement).value).toBe("a");
    expect(name.getAttribute("aria-invalid")).toBeNull();
    expect(screen.queryByText("Enter a name.")).toBeNull();
    expect(screen.getByText("Enter a comment.")).toBeDefined();
  });
});
