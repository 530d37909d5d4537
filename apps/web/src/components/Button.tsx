import type { ButtonHTMLAttributes } from "react";

export type ButtonVariant = "primary" | "secondary" | "danger" | "ghost";

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: ButtonVariant;
  /** Disables the button and says why for screen readers while a request runs. */
  pending?: boolean;
}

export function Button({ variant = "secondary", pending = false, type = "button", className, disabled, children, ...rest }: ButtonProps) {
  const classes = ["button", `button--${variant}`, className].filter(Boolean).join(" ");
  return (
    <button {...rest} type={type} className={classes} disabled={disabled === true || pending} aria-busy={pending || undefined}>
      {children}
    </button>
  );
}
