/**
 * A code from an authenticator app: digits on a phone's keyboard, and a browser or
 * password manager may offer the code it holds (`one-time-code`). The caller checks
 * the value; spaces are the user's grouping, for the caller to strip.
 */
import { TextField, type TextFieldProps } from "./TextField.js";

export type OneTimeCodeFieldProps = Omit<TextFieldProps, "type" | "inputMode" | "autoComplete">;

export function OneTimeCodeField(props: OneTimeCodeFieldProps) {
  return <TextField {...props} inputMode="numeric" autoComplete="one-time-code" />;
}
