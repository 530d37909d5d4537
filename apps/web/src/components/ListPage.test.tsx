import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ListPage } from "./ListPage.js";

function noop(): void {}

describe("ListPage", () => {
  it("names the section after a focusable level-1 heading", () => {
    const html = renderToStaticMarkup(
      <ListPage title="API tokens" actionLabel="Add token" onAction={noop}>
        <p>rows</p>
      </ListPage>,
    );
    expect(html).toContain('<section class="page" aria-labelledby="page-title">');
    expect(html).toContain('<h1 id="page-title" tabindex="-1">API tokens</h1>');
  });

  it("renders the primary action enabled unless told otherwise", () => {
    const enabled = renderToStaticMarkup(
      <ListPage title="Users" actionLabel="Add user" onAction={noop}>
        {null}
      </ListPage>,
    );
    expect(enabled).toContain('<button type="button" class="button button--primary">Add user</button>');

    const disabled = renderToStaticMarkup(
      <ListPage title="Users" actionLabel="Add user" onAction={noop} actionDisabled>
        {null}
      </ListPage>,
    );
    expect(disabled).toContain('<button type="button" class="button button--primary" disabled="">Add user</button>');
  });

  it("shows the intro between the header and the list only when given", () => {
    const withIntro = renderToStaticMarkup(
      <ListPage title="Permissions" actionLabel="Add permission" onAction={noop} intro="Each entry gives a role.">
        <table />
      </ListPage>,
    );
    expect(withIntro).toMatch(/<\/header><p class="page__intro">Each entry gives a role\.<\/p><table><\/table><\/section>$/);

    const withoutIntro = renderToStaticMarkup(
      <ListPage title="Permissions" actionLabel="Add permission" onAction={noop}>
        <table />
      </ListPage>,
    );
    expect(withoutIntro).not.toContain("page__intro");
    expect(withoutIntro).toMatch(/<\/header><table><\/table><\/section>$/);
  });
});
