/**
 * A modal on the native `<dialog>` element: `showModal()` gives the focus trap, the
 * inert background and Escape for free. Mount it to open it and unmount it to close
 * it; focus moves into the dialog on open (the first field, or the element marked
 * `data-autofocus`) and back to whatever opened it on close.
 */
import { useEffect, useId, useRef, type MouseEvent, type ReactNode } from "react";

export interface DialogProps {
  title: string;
  /** Called for Escape, the close button and a click on the backdrop. */
  onClose: () => void;
  children: ReactNode;
  /** Danger dialogs get `role="alertdialog"` and a red accent. */
  tone?: "normal" | "danger";
  /** A short explanation read out with the title. */
  description?: string;
  /** While a request runs, Escape and the close button do nothing. */
  busy?: boolean;
  /** False leaves out the close button, for a dialog that must be answered. */
  dismissible?: boolean;
}

/** Where focus goes when the opener has gone, e.g. the row of a removed token. */
function findFocusFallback(): HTMLElement | null {
  return document.querySelector<HTMLElement>("main h1");
}

export function Dialog({ title, onClose, children, tone = "normal", description, busy = false, dismissible = true }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();
  const onCloseRef = useRef(onClose);
  const busyRef = useRef(busy);

  useEffect(() => {
    onCloseRef.current = onClose;
    busyRef.current = busy;
  });

  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return undefined;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    // showModal focuses the first focusable element, which is the close button; the
    // first field (or an element marked data-autofocus) is the better start.
    const preferred =
      dialog.querySelector<HTMLElement>("[data-autofocus]") ??
      dialog.querySelector<HTMLElement>("input:not([type=hidden]):not([disabled]), select, textarea");
    preferred?.focus();

    function handleCancel(event: Event) {
      // Escape fires `cancel`; the parent decides by unmounting, so the element
      // must not close itself behind React's back.
      event.preventDefault();
      if (!busyRef.current) onCloseRef.current();
    }
    dialog.addEventListener("cancel", handleCancel);
    return () => {
      dialog.removeEventListener("cancel", handleCancel);
      if (dialog.open) dialog.close();
      const target = opener?.isConnected === true ? opener : findFocusFallback();
      target?.focus();
    };
  }, []);

  function handleBackdropClick(event: MouseEvent<HTMLDialogElement>) {
    // A click on the dialog element itself (not its content) lands on the backdrop.
    if (event.target === ref.current && !busy) onClose();
  }

  return (
    <dialog
      ref={ref}
      className={`dialog dialog--${tone}`}
      role={tone === "danger" ? "alertdialog" : undefined}
      aria-labelledby={titleId}
      aria-describedby={description === undefined ? undefined : descriptionId}
      onClick={handleBackdropClick}
    >
      <div className="dialog__body">
        <header className="dialog__header">
          <h2 id={titleId}>{title}</h2>
          {dismissible ? (
            <button type="button" className="dialog__close" aria-label="Close dialog" onClick={onClose} disabled={busy}>
              {/* A glyph, not a word: hidden so the name is only "Close dialog" (label in name). */}
              <span aria-hidden="true">×</span>
            </button>
          ) : null}
        </header>
        {description === undefined ? null : (
          <p id={descriptionId} className="dialog__description">
            {description}
          </p>
        )}
        {children}
      </div>
    </dialog>
  );
}
