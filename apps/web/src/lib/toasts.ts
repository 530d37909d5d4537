/**
 * Success feedback: short messages that a polite live region announces and that
 * leave by themselves. A module-level store like the session, so a mutation hook or
 * a dialog can report without threading callbacks through the screens.
 */
import { useSyncExternalStore } from "react";

export interface Toast {
  id: number;
  message: string;
}

/** Long enough to read a sentence twice (WCAG 2.2.1 lets the user dismiss earlier). */
export const TOAST_LIFETIME_MS = 8000;
const MAX_TOASTS = 3;

export class ToastStore {
  #toasts: readonly Toast[] = [];
  #nextId = 1;
  readonly #listeners = new Set<() => void>();
  readonly #timers = new Map<number, ReturnType<typeof setTimeout>>();

  getToasts = (): readonly Toast[] => this.#toasts;

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  };

  show(message: string): void {
    const toast = { id: this.#nextId++, message };
    const kept = this.#toasts.slice(-(MAX_TOASTS - 1));
    for (const dropped of this.#toasts.slice(0, this.#toasts.length - kept.length)) this.#clearTimer(dropped.id);
    this.#set([...kept, toast]);
    this.#timers.set(
      toast.id,
      setTimeout(() => this.dismiss(toast.id), TOAST_LIFETIME_MS),
    );
  }

  dismiss(id: number): void {
    this.#clearTimer(id);
    if (!this.#toasts.some((toast) => toast.id === id)) return;
    this.#set(this.#toasts.filter((toast) => toast.id !== id));
  }

  #clearTimer(id: number): void {
    const timer = this.#timers.get(id);
    if (timer !== undefined) clearTimeout(timer);
    this.#timers.delete(id);
  }

  #set(next: readonly Toast[]): void {
    this.#toasts = next;
    for (const listener of this.#listeners) listener();
  }
}

export const toastStore = new ToastStore();

export function showToast(message: string): void {
  toastStore.show(message);
}

export function useToasts(store: ToastStore = toastStore): readonly Toast[] {
  return useSyncExternalStore(store.subscribe, store.getToasts);
}
