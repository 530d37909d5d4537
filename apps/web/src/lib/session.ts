/**
 * The browser session as the pages know it: who is logged in. The CSRF token lives in
 * the API client's memory only (lib/api-client.ts), and the ticket never reaches
 * script: it is in the HttpOnly `__Host-PBSAuthCookie`, which the browser sends by itself.
 */
import { useSyncExternalStore } from "react";

export interface Session {
  username: string;
}

/** What the index page hands over for a valid cookie (bff contract, decision 006). */
export interface BootstrapSession {
  username: string;
  csrfToken: string;
}

export interface SessionState {
  session: Session | null;
  /** Shown on the login page after the server ended the session (any 401). */
  endedMessage: string | null;
  /**
   * The server ended a session the console still shows (a 401 mid-work). The screen
   * and any half-filled form stay mounted, under a re-login dialog for the same user,
   * so nothing typed is lost; `session` keeps the username for that dialog.
   */
  interrupted: boolean;
}

export const SESSION_ENDED_MESSAGE = "Your session has ended. Please log in again.";

/** The index page carries this for a browser whose cookie is valid (bff contract). */
export const SESSION_META_NAME = "gatehouse-session";

export class SessionStore {
  #state: SessionState = { session: null, endedMessage: null, interrupted: false };
  readonly #listeners = new Set<() => void>();

  getState = (): SessionState => this.#state;

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  };

  start(session: Session): void {
    this.#set({ session, endedMessage: null, interrupted: false });
  }

  /** A 401 while signed in: keep the screen, ask the same user to log in again. */
  interrupt(): void {
    if (this.#state.session === null || this.#state.interrupted) return;
    this.#set({ ...this.#state, interrupted: true });
  }

  /** `message` is null for a deliberate logout, a sentence when the server ended it. */
  end(message: string | null): void {
    if (this.#state.session === null && this.#state.endedMessage === message) return;
    this.#set({ session: null, endedMessage: message, interrupted: false });
  }

  #set(next: SessionState): void {
    this.#state = next;
    for (const listener of this.#listeners) listener();
  }
}

export const sessionStore = new SessionStore();

export function useSessionState(store: SessionStore = sessionStore): SessionState {
  return useSyncExternalStore(store.subscribe, store.getState);
}

function decodeBase64Url(text: string): string | null {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return null;
  const base64 = text.replace(/=+$/, "").replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  try {
    const binary = atob(padded);
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** Parses the meta tag's content; null for anything that is not exactly the contract. */
export function decodeSessionMeta(content: string): BootstrapSession | null {
  const json = decodeBase64Url(content.trim());
  if (json === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const record = value as Record<string, unknown>;
  const username = record["username"];
  const csrfToken = record["CSRFPreventionToken"];
  if (typeof username !== "string" || username.length === 0) return null;
  if (typeof csrfToken !== "string" || csrfToken.length === 0) return null;
  return { username, csrfToken };
}

/**
 * Reads the session the server embedded in the index page, then removes the tag so
 * the CSRF token lives in the API client's memory only, not in the DOM.
 */
export function takeBootstrapSession(doc: Document): BootstrapSession | null {
  const meta = doc.querySelector<HTMLMetaElement>(`meta[name="${SESSION_META_NAME}"]`);
  if (meta === null) return null;
  const session = decodeSessionMeta(meta.content);
  meta.remove();
  return session;
}
