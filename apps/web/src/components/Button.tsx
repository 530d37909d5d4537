/**
 * The console's button. A button the caller may not use (missing rights, a lockout
 * guard) stays focusable with `aria-disabled` and says why in a tooltip that shows on
 * hover and on keyboard focus and is read out as its description; a plain `disabled`
 * button would be skipped by Tab and explain nothing.
 */
import { useId, type ButtonHTMLAttributes, type MouseEvent, type Ref } from "react";

export type ButtonVariant = "primary" | "secondary" | "danger" | "ghost";

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: ButtonVariant;
  /** Disables the button and says why for screen readers while a request runs. */
  pending?: boolean;
  /** When set, the button does nothing and this sentence explains why. */
  disabledReason?: string | null;
  ref?: Ref<HTMLButtonElement>;
}

export function Button({
  variant = "secondary",
  pending = false,
  type = "button",
  className,
  disabled,
  disabledReason,
  children,
  onClick,
  ref,
  ...rest
}: ButtonProps) {
  const tooltipId = useId();
  const classes = ["button", `button--${variant}`, className].filter(Boolean).join(" ");
  if (disabledReason !== undefined && disabledReason !== null) {
    const describedBy = [rest["aria-describedby"], tooltipId].filter(Boolean).join(" ");
    return (
      <span className="tooltip-anchor">
        <button
          {...rest}
          ref={ref}
          type="button"
          className={classes}
          aria-disabled="true"
          aria-describedby={describedBy}
          onClick={(event: MouseEvent<HTMLButtonElement>) => event.preventDefault()}
        >
          {children}
        </button>
        <span id={tooltipId} role="tooltip" className="tooltip">
          {disabledReason}
        </span>
      </span>
    );
  }
  return (
    <button
      {...rest}
      ref={ref}
      type={type}
      className={classes}
      onClick={onClick}
      disabled={disabled === true || pending}
      aria-busy={pending || undefined}
    >
      {children}
    </button>
  );
}
