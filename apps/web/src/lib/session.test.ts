import { describe, expect, it, vi } from "vitest";
import { SESSION_ENDED_MESSAGE, SessionStore, decodeSessionMeta, takeBootstrapSession } from "./session.js";

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function encodeMeta(value: unknown): string {
  return toBase64Url(JSON.stringify(value));
}

describe("decodeSessionMeta", () => {
  it("reads the username and CSRF token from base64url JSON", () => {
    const content = encodeMeta({ username: "admin@pbs", CSRFPreventionToken: "6543210A:abc-_def" });
    expect(decodeSessionMeta(content)).toEqual({ username: "admin@pbs", csrfToken: "6543210A:abc-_def" });
  });

  it("accepts non-ASCII usernames encoded as UTF-8", () => {
    const content = encodeMeta({ username: "jürgen@pbs", CSRFPreventionToken: "t" });
    expect(decodeSessionMeta(content)?.username).toBe("jürgen@pbs");
  });

  it("returns null for content that is not base64url", () => {
    expect(decodeSessionMeta("not base64!")).toBeNull();
  });

  it("returns null for base64url that is not JSON", () => {
    expect(decodeSessionMeta(toBase64Url("{oops"))).toBeNull();
  });

  it("returns null when a field is missing, empty or of the wrong type", () => {
    expect(decodeSessionMeta(encodeMeta({ username: "admin@pbs" }))).toBeNull();
    expect(decodeSessionMeta(encodeMeta({ username: "", CSRFPreventionToken: "t" }))).toBeNull();
    expect(decodeSessionMeta(encodeMeta({ username: 7, CSRFPreventionToken: "t" }))).toBeNull();
    expect(decodeSessionMeta(encodeMeta(["admin@pbs", "t"]))).toBeNull();
    expect(decodeSessionMeta(encodeMeta(null))).toBeNull();
  });
});

describe("takeBootstrapSession", () => {
  it("removes the meta tag after reading it so the token stays in memory only", () => {
    const remove = vi.fn();
    const meta = { content: encodeMeta({ username: "admin@pbs", CSRFPreventionToken: "t" }), remove };
    const doc = { querySelector: vi.fn(() => meta) } as unknown as Document;
    expect(takeBootstrapSession(doc)).toEqual({ username: "admin@pbs", csrfToken: "t" });
    expect(remove).toHaveBeenCalledOnce();
  });

  it("returns null when the page has no session meta tag", () => {
    const doc = { querySelector: vi.fn(() => null) } as unknown as Document;
    expect(takeBootstrapSession(doc)).toBeNull();
  });
});

describe("SessionStore", () => {
  it("notifies subscribers on start, interruption and end", () => {
    const store = new SessionStore();
    const listener = vi.fn();
    const unsubscribe = store.subscribe(listener);
    store.start({ username: "admin@pbs" });
    store.interrupt();
    store.end(SESSION_ENDED_MESSAGE);
    expect(listener).toHaveBeenCalledTimes(3);
    expect(store.getState()).toEqual({ session: null, endedMessage: SESSION_ENDED_MESSAGE, interrupted: false });
    unsubscribe();
    store.start({ username: "admin@pbs" });
    expect(listener).toHaveBeenCalledTimes(3);
  });

  it("clears the ended message when a new session starts", () => {
    const store = new SessionStore();
    store.end(SESSION_ENDED_MESSAGE);
    store.start({ username: "admin@pbs" });
    expect(store.getState().endedMessage).toBeNull();
  });

  it("does not notify when ending an already ended session the same way", () => {
    const store = new SessionStore();
    store.end(SESSION_ENDED_MESSAGE);
    const listener = vi.fn();
    store.subscribe(listener);
    store.end(SESSION_ENDED_MESSAGE);
    expect(listener).not.toHaveBeenCalled();
  });
});

describe("SessionStore.interrupt", () => {
  it("keeps the session's user for the re-login dialog and clears the flag on the next login", () => {
    const store = new SessionStore();
    store.interrupt();
    expect(store.getState().interrupted).toBe(false);
    store.start({ username: "admin@pbs" });
    store.interrupt();
    expect(store.getState()).toMatchObject({ session: { username: "admin@pbs" }, interrupted: true });
    store.start({ username: "admin@pbs" });
    expect(store.getState()).toMatchObject({ session: { username: "admin@pbs" }, interrupted: false });
  });
});
