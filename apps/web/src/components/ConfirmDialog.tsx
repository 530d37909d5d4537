/**
 * A yes/no question before a destructive action. Cancel has the initial focus so a
 * stray Enter never confirms; the server's refusal is shown inside the dialog.
 */
import type { ReactNode } from "react";
import { Button } from "./Button.js";
import { Dialog } from "./Dialog.js";
import { ErrorMessage } from "./ErrorMessage.js";

export interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  pending: boolean;
  error: unknown;
}

export function ConfirmDialog({ title, children, confirmLabel, onConfirm, onCancel, pending, error }: ConfirmDialogProps) {
  return (
    <Dialog title={title} onClose={onCancel} tone="danger" busy={pending}>
      <div className="dialog__content">{children}</div>
      <ErrorMessage error={error} />
      <div className="actions">
        <Button onClick={onCancel} disabled={pending} data-autofocus>
          Cancel
        </Button>
        <Button variant="danger" onClick={onConfirm} pending={pending}>
          {pending ? "Working…" : confirmLabel}
        </Button>
      </div>
    </Dialog>
  );
}
