/**
 * Every route of the console, and the few lines of history-based navigation it needs
 * (no router library: three screens do not justify one).
 */
import { useSyncExternalStore } from "react";

export const paths = {
  tokens: "/",
  users: "/users",
  permissions: "/permissions",
  twoFactor: "/two-factor",
  audit: "/audit",
} as const;

export type RouteId = keyof typeof paths;

export const routeTitles: Record<RouteId, string> = {
  tokens: "API tokens",
  users: "Users",
  permissions: "Permissions",
  twoFactor: "Two-factor",
  audit: "Audit log",
};

/** The audit screen filtered on one user or token (their History buttons). */
export function auditPathFor(target: string): string {
  return `${paths.audit}?${new URLSearchParams({ target }).toString()}`;
}

/** The `target` of the audit screen's address, "" without one. */
export function readAuditTarget(search: string): string {
  return new URLSearchParams(search).get("target") ?? "";
}

/** The route for a location path; a trailing slash is forgiven, anything else is null. */
export function findRoute(pathname: string): RouteId | null {
  const normalized = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
  for (const [id, path] of Object.entries(paths) as [RouteId, string][]) {
    if (path === normalized) return id;
  }
  return null;
}

// pushState does not fire popstate, so navigation notifies subscribers itself.
const listeners = new Set<() => void>();

function subscribeToLocation(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener("popstate", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("popstate", listener);
  };
}

function readPathname(): string {
  return window.location.pathname;
}

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (path === window.location.pathname + window.location.search) return;
  if (options.replace === true) window.history.replaceState(null, "", path);
  else window.history.pushState(null, "", path);
  for (const listener of listeners) listener();
}

export function usePathname(): string {
  return useSyncExternalStore(subscribeToLocation, readPathname);
}

function readSearch(): string {
  return window.location.search;
}

/** The query string, e.g. the audit screen's `?target=`. */
export function useLocationSearch(): string {
  return useSyncExternalStore(subscribeToLocation, readSearch);
}
