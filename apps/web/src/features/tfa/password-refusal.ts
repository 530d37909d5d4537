/**
 * The server's answer about the confirming password, as a message for its field:
 * missing is a 400 naming `password`, wrong is a 403 (decision 026: the caller's own
 * password on every change of a second factor).
 */
import { ApiError } from "../../lib/api-error.js";

/** Why the dialogs that change a second factor ask for the password. */
export const PASSWORD_CONFIRM_HINT = "Changes to second factors need your password again.";

export const WRONG_PASSWORD_MESSAGE = "That is not your current password.";

export function passwordFieldError(error: unknown): string | null {
  if (!(error instanceof ApiError)) return null;
  if (error.status === 403 && /not the current password/i.test(error.message)) return WRONG_PASSWORD_MESSAGE;
  return error.errors.password ?? null;
}

/** Whether the error is fully shown next to the password field, so no summary is needed. */
export function isPasswordRefusal(error: unknown): boolean {
  return error instanceof ApiError && error.status === 403 && passwordFieldError(error) !== null;
}

/**
 * The error for the form's summary, or null when the fields already say it all (a
 * wrong password, or a 400 whose every reason sits next to its field).
 */
export function summaryError(error: unknown, shownFields: readonly string[]): unknown {
  if (isPasswordRefusal(error)) return null;
  if (error instanceof ApiError && error.status === 400) {
    const fields = Object.keys(error.errors);
    if (fields.length > 0 && fields.every((field) => shownFields.includes(field))) return null;
  }
  return error;
}
