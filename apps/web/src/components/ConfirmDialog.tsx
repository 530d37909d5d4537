/**
 * A yes/no question before a destructive action. Cancel has the initial focus so a
 * stray Enter never confirms; the server's refusal is shown inside the dialog.
 */
import { useState, type ReactNode } from "react";
import { Button } from "./Button.js";
import { Dialog } from "./Dialog.js";
import { ErrorMessage } from "./ErrorMessage.js";
import { TextField } from "./TextField.js";

export interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  pending: boolean;
  error: unknown;
  /**
   * A lockout guard: the admin must type this (e.g. their own user id) before the
   * action runs, because it would lock them out of the console.
   */
  confirmPhrase?: string;
}

export function ConfirmDialog({ title, children, confirmLabel, onConfirm, onCancel, pending, error, confirmPhrase }: ConfirmDialogProps) {
  const [typed, setTyped] = useState("");
  const confirmed = confirmPhrase === undefined || typed.trim() === confirmPhrase;
  return (
    <Dialog title={title} onClose={onCancel} tone="danger" busy={pending}>
      <div className="dialog__content">{children}</div>
      {confirmPhrase === undefined ? null : (
        <TextField label={`Type ${confirmPhrase} to confirm`} value={typed} onChange={setTyped} autoComplete="off" spellCheck={false} />
      )}
      <ErrorMessage error={error} />
      <div className="actions">
        <Button onClick={onCancel} disabled={pending} data-autofocus>
          Cancel
        </Button>
        <Button
          variant="danger"
          onClick={onConfirm}
          pending={pending}
          disabledReason={confirmed ? null : `Type ${confirmPhrase ?? ""} first.`}
        >
          {pending ? "Working…" : confirmLabel}
        </Button>
      </div>
    </Dialog>
  );
}
