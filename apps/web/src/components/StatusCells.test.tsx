import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { formatExpire } from "../lib/time.js";
import { EnabledCell, ExpiresCell } from "./StatusCells.js";

const NOW_S = 1_900_000_000;

describe("EnabledCell", () => {
  it("shows an enabled entry as a green Yes badge", () => {
    expect(renderToStaticMarkup(<EnabledCell enabled />)).toBe('<span class="badge badge--ok">Yes</span>');
  });

  it("shows a disabled entry as a muted No badge", () => {
    expect(renderToStaticMarkup(<EnabledCell enabled={false} />)).toBe('<span class="badge badge--off">No</span>');
  });
});

describe("ExpiresCell", () => {
  it("says never, without a badge, when there is no expiry", () => {
    expect(renderToStaticMarkup(<ExpiresCell expire={0} nowS={NOW_S} />)).toBe("never");
  });

  it("shows a future expiry as a date without a badge", () => {
    const future = NOW_S + 3600;
    const html = renderToStaticMarkup(<ExpiresCell expire={future} nowS={NOW_S} />);
    expect(html).toBe(formatExpire(future));
    expect(html).not.toBe("never");
  });

  it("marks a past expiry with the expired badge after its date", () => {
    const past = NOW_S - 3600;
    expect(renderToStaticMarkup(<ExpiresCell expire={past} nowS={NOW_S} />)).toBe(
      `${formatExpire(past)}<span class="badge badge--off">expired</span>`,
    );
  });

  it("counts the expiry second itself as expired", () => {
    expect(renderToStaticMarkup(<ExpiresCell expire={NOW_S} nowS={NOW_S} />)).toContain(
      '<span class="badge badge--off">expired</span>',
    );
  });
});
