// @vitest-environment jsdom
import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import "../test-support/dom.js";
import { formatExact } from "../lib/relative-time.js";
import { ExpiresCell, TokenStatusCell, UserStatusCell } from "./StatusCells.js";

const NOW_S = 1_900_000_000;

describe("TokenStatusCell", () => {
  it("shows the server's owner-disabled status, not the token's own enabled flag (issue 18)", () => {
    render(<TokenStatusCell status="owner-disabled" expire={0} nowS={NOW_S} />);
    const badge = screen.getByText("Owner disabled");
    // The words carry the state; the tone is the second cue.
    expect(badge.classList.contains("badge--off")).toBe(true);
    expect(badge.title).not.toBe("");
  });

  it("warns about an active token that expires within days", () => {
    render(<TokenStatusCell status="active" expire={NOW_S + 5 * 86_400 + 10} nowS={NOW_S} />);
    expect(screen.getByText("Expires in 5 d").classList.contains("badge--warn")).toBe(true);
  });
});

describe("UserStatusCell", () => {
  it("says Disabled, Expired or Active from the user's own flags", () => {
    const { rerender } = render(<UserStatusCell enable={false} expire={0} nowS={NOW_S} />);
    expect(screen.getByText("Disabled")).toBeDefined();
    rerender(<UserStatusCell enable expire={NOW_S} nowS={NOW_S} />);
    expect(screen.getByText("Expired")).toBeDefined();
    rerender(<UserStatusCell enable expire={0} nowS={NOW_S} />);
    expect(screen.getByText("Active")).toBeDefined();
  });
});

describe("ExpiresCell", () => {
  it("says never for 0, and otherwise the expiry relative to now with the exact time on hover", () => {
    const { container, rerender } = render(<ExpiresCell expire={0} nowS={NOW_S} />);
    expect(container.textContent).toBe("never");
    rerender(<ExpiresCell expire={NOW_S + 3 * 86_400} nowS={NOW_S} />);
    const time = container.querySelector("time");
    expect(time?.textContent).toContain("in 3 days");
    expect(time?.title).toBe(formatExact(NOW_S + 3 * 86_400));
    expect(time?.dateTime).toBe(new Date((NOW_S + 3 * 86_400) * 1000).toISOString());
  });
});
