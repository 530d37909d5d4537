/**
 * Where success messages appear: one polite live region that exists from the start
 * (a region added together with its text is often not announced), each message with
 * a dismiss button.
 */
import { toastStore, useToasts } from "../lib/toasts.js";

export function ToastRegion() {
  const toasts = useToasts();
  return (
    <div className="toasts" role="status" aria-live="polite" aria-label="Notifications">
      {toasts.map((toast) => (
        <div key={toast.id} className="toast">
          <span>{toast.message}</span>
          <button
            type="button"
            className="toast__dismiss"
            aria-label={`Dismiss: ${toast.message}`}
            onClick={() => toastStore.dismiss(toast.id)}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
