/** An inline server or page error, announced to screen readers as it appears. */
import { ApiError, describeError } from "../lib/api-error.js";

export interface ErrorMessageProps {
  error: unknown;
  /** Parameter reasons already shown next to their fields are left out here. */
  shownFields?: readonly string[];
}

export function ErrorMessage({ error, shownFields = [] }: ErrorMessageProps) {
  if (error === null || error === undefined) return null;
  const fieldErrors =
    error instanceof ApiError ? Object.entries(error.errors).filter(([field]) => !shownFields.includes(field)) : [];
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
    </div>
  );
}
