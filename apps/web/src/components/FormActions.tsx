/**
 * A dialog form's last row: Cancel, then the submit button, which says what it is
 * doing while the request runs. Cancel is disabled meanwhile, as the request would
 * finish anyway and its outcome would have nowhere to show.
 */
import { Button } from "./Button.js";

export interface FormActionsProps {
  onCancel: () => void;
  pending: boolean;
  /** The submit button's words, e.g. "Add user". */
  submitLabel: string;
  /** Its words while the request runs, e.g. "Adding…". */
  pendingLabel: string;
  /** "danger" for a form that removes or replaces something. */
  variant?: "primary" | "danger";
  /** Start on Cancel rather than the first field: for a risky form whose fields have safe defaults. */
  focusCancel?: boolean;
}

export function FormActions({ onCancel, pending, submitLabel, pendingLabel, variant = "primary", focusCancel = false }: FormActionsProps) {
  return (
    <div className="actions">
      <Button onClick={onCancel} disabled={pending} data-autofocus={focusCancel || undefined}>
        Cancel
      </Button>
      <Button type="submit" variant={variant} pending={pending}>
        {pending ? pendingLabel : submitLabel}
      </Button>
    </div>
  );
}
