/**
 * The caller's own password, asked again to confirm a change: every change to a
 * second factor (PBS's `user_update_auth`) and a password change. The browser may
 * fill it (`current-password`); the server's refusal of it is shown on the field.
 */
import type { Ref } from "react";
import { TextField } from "./TextField.js";

export interface PasswordConfirmFieldProps {
  value: string;
  onChange: (value: string) => void;
  error?: string | null;
  /** "Your password" unless the form has other password fields to tell it from. */
  label?: string;
  /** Why the password is asked for again. */
  hint?: string;
  ref?: Ref<HTMLInputElement>;
}

export function PasswordConfirmField({ value, onChange, error, label = "Your password", hint, ref }: PasswordConfirmFieldProps) {
  return (
    <TextField
      ref={ref}
      label={label}
      type="password"
      value={value}
      onChange={onChange}
      error={error}
      autoComplete="current-password"
      hint={hint}
    />
  );
}
