/**
 * The signed-in frame: navigation, the current user, logout, and the routed screen.
 * It also keeps the ticket fresh for as long as it is mounted.
 */
import { useEffect, useRef } from "react";
import { Button } from "../components/Button.js";
import { ErrorBoundary } from "../components/ErrorBoundary.js";
import { ToastRegion } from "../components/ToastRegion.js";
import { PermissionsPage } from "../features/acl/components/PermissionsPage.js";
import { AuditPage } from "../features/audit/components/AuditPage.js";
import { useLogout } from "../features/auth/api/delete-ticket.js";
import { useTicketRenewal } from "../features/auth/api/renew-ticket.js";
import { TwoFactorPage } from "../features/tfa/components/TwoFactorPage.js";
import { TokensPage } from "../features/tokens/components/TokensPage.js";
import { UsersPage } from "../features/users/components/UsersPage.js";
import { useCallerRights } from "../lib/rights.js";
import type { Session } from "../lib/session.js";
import { NavLink } from "./NavLink.js";
import {
  auditPathFor,
  findRoute,
  navigate,
  paths,
  readAuditTarget,
  routeTitles,
  useLocationSearch,
  usePathname,
  type RouteId,
} from "./paths.js";

const NAV_ORDER: readonly RouteId[] = ["tokens", "users", "permissions", "twoFactor", "audit"];

function showHistory(target: string): void {
  navigate(auditPathFor(target));
}

function renderRoute(route: RouteId | null, search: string) {
  switch (route) {
    case "tokens":
      return <TokensPage onShowHistory={showHistory} />;
    case "users":
      return <UsersPage onShowHistory={showHistory} />;
    case "permissions":
      return <PermissionsPage />;
    case "twoFactor":
      return <TwoFactorPage />;
    case "audit": {
      const target = readAuditTarget(search);
      // Keyed by the target: a History button on another record starts a fresh filter.
      return <AuditPage key={target} initialTarget={target} />;
    }
    case null:
      return (
        <section className="page">
          <h1 tabIndex={-1}>Page not found</h1>
          <p>
            There is nothing at this address.{" "}
            <NavLink to={paths.tokens} current={false}>
              Go to the API tokens
            </NavLink>
            .
          </p>
        </section>
      );
  }
}

export interface AppShellProps {
  session: Session;
}

export function AppShell({ session }: AppShellProps) {
  const pathname = usePathname();
  const route = findRoute(pathname);
  const search = useLocationSearch();
  const rights = useCallerRights();
  // The audit log needs Sys.Audit on /system (decision 030): only those who hold it see the link.
  const navRoutes = NAV_ORDER.filter((id) => id !== "audit" || rights?.auditSystem === true || route === "audit");
  const logout = useLogout();
  const firstRender = useRef(true);
  useTicketRenewal(session.username);

  useEffect(() => {
    document.title = `${route === null ? "Not found" : routeTitles[route]} · Gatehouse`;
    // Move keyboard and screen-reader focus to the new screen's heading, but not on
    // the first render, where the browser's own start position is expected.
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    document.querySelector<HTMLElement>("main h1")?.focus();
  }, [route]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="topbar__brand">Gatehouse</span>
        <nav className="nav" aria-label="Main">
          {navRoutes.map((id) => (
            <NavLink key={id} to={paths[id]} current={route === id}>
              {routeTitles[id]}
            </NavLink>
          ))}
        </nav>
        <div className="topbar__user">
          {/* aria-label is ignored on a plain span; hidden text is read out instead. */}
          <span className="topbar__username">
            <span className="visually-hidden">Signed in as </span>
            {session.username}
          </span>
          <Button onClick={() => logout.mutate()} pending={logout.isPending}>
            {logout.isPending ? "Logging out…" : "Log out"}
          </Button>
        </div>
      </header>
      <main id="main" className="main">
        <ErrorBoundary resetKey={pathname}>{renderRoute(route, search)}</ErrorBoundary>
      </main>
      <ToastRegion />
    </div>
  );
}
