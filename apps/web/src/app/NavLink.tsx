/**
 * An in-app link: a real `<a href>` (so middle-click and "open in new tab" work) that
 * navigates through history for a plain click.
 */
import type { MouseEvent, ReactNode } from "react";
import { navigate } from "./paths.js";

export interface NavLinkProps {
  to: string;
  current: boolean;
  children: ReactNode;
}

export function NavLink({ to, current, children }: NavLinkProps) {
  function handleClick(event: MouseEvent<HTMLAnchorElement>) {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  }
  return (
    <a href={to} className="nav__link" aria-current={current ? "page" : undefined} onClick={handleClick}>
      {children}
    </a>
  );
}
