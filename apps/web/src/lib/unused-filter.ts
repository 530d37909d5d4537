/**
 * The "not used for N days" filter of the token and user lists (issue 14): the
 * server's `unused-days` parameter, which keeps records neither used nor created
 * within that many days.
 */
import type { SelectOption } from "../components/SelectField.js";

export const UNUSED_DAY_CHOICES = [7, 30, 90, 365] as const;
export type UnusedDays = (typeof UNUSED_DAY_CHOICES)[number];

export const UNUSED_FILTER_OPTIONS: readonly SelectOption[] = [
  { value: "any", label: "Any time" },
  ...UNUSED_DAY_CHOICES.map((days) => ({ value: String(days), label: `Not used for ${days} days` })),
];

/** The select's value as a day count, or null for "any time". */
export function parseUnusedDays(value: string): UnusedDays | null {
  const days = Number(value);
  return (UNUSED_DAY_CHOICES as readonly number[]).includes(days) ? (days as UnusedDays) : null;
}
