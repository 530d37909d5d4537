/**
 * What to tell the user when the browser's part of a WebAuthn ceremony fails
 * (@simplewebauthn/browser rethrows the DOMException's name, with a `code` for the
 * cases it recognises). The server's refusals are ApiErrors and described elsewhere.
 */
export function describeWebauthnFailure(error: unknown): string {
  const name = error instanceof Error ? error.name : "";
  switch (name) {
    case "NotAllowedError":
    case "AbortError":
      return "The security key request was cancelled or timed out. Try again.";
    case "InvalidStateError":
      return "This security key is already registered for your account.";
    case "SecurityError":
      return "The browser refused the security key for this address: open the console under the host name the server is configured for (GATEHOUSE_WEBAUTHN_RP_ID).";
    case "NotSupportedError":
      return "This browser or security key does not support the requested kind of credential.";
    default:
      return error instanceof Error && error.message !== "" ? `The security key failed: ${error.message}` : "The security key failed.";
  }
}
