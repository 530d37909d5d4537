import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { formatExpire } from "../lib/time.js";
import { ExpiresCell, TokenStatusCell, UserStatusCell } from "./StatusCells.js";

const NOW_S = 1_900_000_000;

describe("TokenStatusCell", () => {
  it("shows the server's owner-disabled status, not the token's own enabled flag (issue 18)", () => {
    const html = renderToStaticMarkup(<TokenStatusCell status="owner-disabled" expire={0} nowS={NOW_S} />);
    expect(html).toContain('class="badge badge--off"');
    expect(html).toContain(">Owner disabled<");
  });

  it("warns about an active token that expires within days", () => {
    const html = renderToStaticMarkup(<TokenStatusCell status="active" expire={NOW_S + 5 * 86_400 + 10} nowS={NOW_S} />);
    expect(html).toContain('class="badge badge--warn"');
    expect(html).toContain(">Expires in 5 d<");
  });
});

describe("UserStatusCell", () => {
  it("says Disabled, Expired or Active from the user's own flags", () => {
    expect(renderToStaticMarkup(<UserStatusCell enable={false} expire={0} nowS={NOW_S} />)).toContain(">Disabled<");
    expect(renderToStaticMarkup(<UserStatusCell enable expire={NOW_S} nowS={NOW_S} />)).toContain(">Expired<");
    expect(renderToStaticMarkup(<UserStatusCell enable expire={0} nowS={NOW_S} />)).toContain(">Active<");
  });
});

describe("ExpiresCell", () => {
  it("says never for 0 and the date otherwise", () => {
    expect(renderToStaticMarkup(<ExpiresCell expire={0} />)).toBe("never");
    expect(renderToStaticMarkup(<ExpiresCell expire={NOW_S} />)).toBe(formatExpire(NOW_S));
  });
});
