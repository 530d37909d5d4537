/**
 * The frame of a list screen: the heading, its one primary action, an optional intro,
 * then the list and whatever dialog is open. The heading is the section's name and
 * takes focus after navigation (AppShell looks for `main h1`), so every list screen
 * announces itself the same way.
 */
import type { ReactNode } from "react";
import { Button } from "./Button.js";

export interface ListPageProps {
  title: string;
  /** The primary action's label, e.g. "Add token". */
  actionLabel: string;
  onAction: () => void;
  /** For an action that needs the list's data first. */
  actionDisabled?: boolean;
  /** The caller may not take the action: it stays visible, disabled, with this reason as its tooltip. */
  actionDisabledReason?: string | null;
  intro?: ReactNode;
  children: ReactNode;
}

export function ListPage({
  title,
  actionLabel,
  onAction,
  actionDisabled = false,
  actionDisabledReason = null,
  intro,
  children,
}: ListPageProps) {
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page__header">
        <h1 id="page-title" tabIndex={-1}>
          {title}
        </h1>
        <Button variant="primary" onClick={onAction} disabled={actionDisabled} disabledReason={actionDisabledReason}>
          {actionLabel}
        </Button>
      </header>
      {intro === undefined ? null : <p className="page__intro">{intro}</p>}
      {children}
    </section>
  );
}
