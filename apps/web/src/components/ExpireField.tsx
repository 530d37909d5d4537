/**
 * An expiry date: a local date and time, or empty for "never" (0 on the wire).
 * The value stays the raw `datetime-local` text so a half-typed date is reported
 * by validation instead of silently becoming "never".
 */
import { TextField } from "./TextField.js";

export interface ExpireFieldProps {
  label?: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | null;
}

export function ExpireField({ label = "Expires", value, onChange, error }: ExpireFieldProps) {
  return (
    <TextField
      label={label}
      type="datetime-local"
      value={value}
      onChange={onChange}
      error={error}
      hint="Local time. Leave empty for never."
    />
  );
}
