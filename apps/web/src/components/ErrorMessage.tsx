/**
 * An inline server or page error, announced to screen readers as it appears. A load
 * error gets a Retry button: a 5xx or a dropped connection is often gone a moment later.
 */
import { ApiError, describeError } from "../lib/api-error.js";
import { Button } from "./Button.js";

export interface ErrorMessageProps {
  error: unknown;
  /** Parameter reasons already shown next to their fields are left out here. */
  shownFields?: readonly string[];
  onRetry?: () => void;
  retrying?: boolean;
}

export function ErrorMessage({ error, shownFields = [], onRetry, retrying = false }: ErrorMessageProps) {
  if (error === null || error === undefined) return null;
  const fieldErrors = error instanceof ApiError ? Object.entries(error.errors).filter(([field]) => !shownFields.includes(field)) : [];
  return (
    <div className="error-message" role="alert">
      <p>{describeError(error)}</p>
      {fieldErrors.length === 0 ? null : (
        <ul>
          {fieldErrors.map(([field, reason]) => (
            <li key={field}>
              <code>{field}</code>: {reason}
            </li>
          ))}
        </ul>
      )}
      {onRetry === undefined ? null : (
        <div className="actions actions--start">
          <Button onClick={onRetry} pending={retrying}>
            {retrying ? "Retrying…" : "Retry"}
          </Button>
        </div>
      )}
    </div>
  );
}
