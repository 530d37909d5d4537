/**
 * "Your password", asked again before any change to a second factor (PBS's
 * `user_update_auth`). The server's refusal of it is shown on the field.
 */
import type { Ref } from "react";
import { TextField } from "../../../components/TextField.js";

export interface PasswordConfirmFieldProps {
  value: string;
  onChange: (value: string) => void;
  error?: string | null;
  ref?: Ref<HTMLInputElement>;
}

export function PasswordConfirmField({ value, onChange, error, ref }: PasswordConfirmFieldProps) {
  return (
    <TextField
      ref={ref}
      label="Your password"
      type="password"
      value={value}
      onChange={onChange}
      error={error}
      autoComplete="current-password"
      hint="Changes to second factors need your password again."
    />
  );
}
