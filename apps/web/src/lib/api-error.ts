/**
 * A failed API call as the page shows it: the server's one-line message, the
 * per-parameter reasons of a 400, and the status that decides what the UI does
 * (401 ends the session, 403 explains missing rights, 409 asks for a reload).
 * Status 0 means the request never got an HTTP answer.
 */
export class ApiError extends Error {
  override readonly name = "ApiError";

  constructor(
    readonly status: number,
    message: string,
    readonly errors: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** What to tell the user about any thrown value, without leaking request details. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    switch (error.status) {
      case 0:
        return "The server could not be reached. Check the connection and try again.";
      case 403:
        return `Permission denied: ${error.message}`;
      case 409:
        // A 409 is either a digest mismatch (someone else saved first) or a name
        // that is taken; only the first is about a concurrent change.
        return isConcurrentChange(error) ? "Someone else changed this meanwhile; the view has been refreshed, try again." : error.message;
      default:
        // A bare "internal error" (issue 18) says neither whose fault it is nor what to do.
        if (error.status >= 500) return describeServerFailure(error);
        return error.message;
    }
  }
  return "Something went wrong in the page. Try again or reload.";
}

function describeServerFailure(error: ApiError): string {
  const detail = error.message.trim() === "" ? `HTTP ${error.status}` : `HTTP ${error.status}: ${error.message}`;
  return `The server failed to answer (${detail}). Try again; if it keeps failing, the server log says why.`;
}

/** True for errors a retry cannot fix: the server understood and refused. */
export function isClientError(error: unknown): boolean {
  return error instanceof ApiError && error.status >= 400 && error.status < 500;
}

/** The PBS digest check's 409 ("file changed by other user"), as opposed to "already exists". */
export function isConcurrentChange(error: ApiError): boolean {
  return error.status === 409 && !/already exists/i.test(error.message);
}

/** The caller lacks a privilege: the view must refetch, its idea of the rights is stale. */
export function isPermissionDenied(error: unknown): boolean {
  return error instanceof ApiError && error.status === 403;
}
