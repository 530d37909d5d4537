/**
 * Field errors of a form: set them all on submit, clear one as soon as its field is
 * edited (a stale message next to a corrected value misleads), and move focus to the
 * first invalid field after every submit that found one, so keyboard and screen
 * reader users land on the problem with its message read out (aria-describedby).
 */
import { useCallback, useEffect, useRef, useState, type RefObject } from "react";

export type FieldErrors<Field extends string> = Partial<Record<Field, string | null>>;

export function hasFieldErrors<Field extends string>(errors: FieldErrors<Field>): boolean {
  return Object.values(errors).some((error) => typeof error === "string" && error !== "");
}

export interface FieldErrorsState<Field extends string> {
  errors: FieldErrors<Field>;
  /** Replaces every error; focuses the first invalid field when there is one. */
  report: (next: FieldErrors<Field>) => boolean;
  clear: (field: Field) => void;
  /** A field's onChange: stores the new value with `set` and clears the field's error. */
  setAndClear: <Value>(field: Field, set: (value: Value) => void) => (value: Value) => void;
  formRef: RefObject<HTMLFormElement | null>;
}

export function useFieldErrors<Field extends string>(): FieldErrorsState<Field> {
  const [errors, setErrors] = useState<FieldErrors<Field>>({});
  const [reportCount, setReportCount] = useState(0);
  const formRef = useRef<HTMLFormElement | null>(null);

  useEffect(() => {
    if (reportCount === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [reportCount]);

  const report = useCallback((next: FieldErrors<Field>) => {
    setErrors(next);
    const invalid = hasFieldErrors(next);
    if (invalid) setReportCount((count) => count + 1);
    return invalid;
  }, []);

  const clear = useCallback((field: Field) => {
    setErrors((current) => (current[field] ? { ...current, [field]: null } : current));
  }, []);

  const setAndClear = useCallback(
    <Value>(field: Field, set: (value: Value) => void) =>
      (value: Value) => {
        set(value);
        clear(field);
      },
    [clear],
  );

  return { errors, report, clear, setAndClear, formRef };
}
