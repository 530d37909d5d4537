/**
 * The expiry choice of the token and user forms: a preset (never, 30 or 90 days,
 * 1 year) or a custom local date and time. The preset is turned into epoch seconds
 * only at submit, so "30 days" means 30 days from the moment the form is sent.
 */
import { parseDateTimeLocal, toDateTimeLocal } from "./time.js";

export const EXPIRY_PRESETS = ["never", "30d", "90d", "1y", "custom"] as const;
export type ExpiryPreset = (typeof EXPIRY_PRESETS)[number];

export const EXPIRY_PRESET_LABELS: Record<ExpiryPreset, string> = {
  never: "Never",
  "30d": "In 30 days",
  "90d": "In 90 days",
  "1y": "In 1 year",
  custom: "On a date…",
};

const DAY_S = 86_400;
const PRESET_DAYS: Record<Exclude<ExpiryPreset, "never" | "custom">, number> = { "30d": 30, "90d": 90, "1y": 365 };

export interface ExpiryChoice {
  preset: ExpiryPreset;
  /** Raw `datetime-local` text, used when the preset is custom. */
  date: string;
}

export function isExpiryPreset(value: string): value is ExpiryPreset {
  return (EXPIRY_PRESETS as readonly string[]).includes(value);
}

/** The choice that shows a stored expiry: never for 0, else that date. */
export function expiryChoiceOf(expire: number): ExpiryChoice {
  return expire === 0 ? { preset: "never", date: "" } : { preset: "custom", date: toDateTimeLocal(expire) };
}

/** Epoch seconds (0 for never) for a choice; null when a custom date cannot be read. */
export function resolveExpiry(choice: ExpiryChoice, nowS: number): number | null {
  switch (choice.preset) {
    case "never":
      return 0;
    case "custom":
      // An empty custom date is not "never": the admin picked a date and left it blank.
      return choice.date.trim() === "" ? null : parseDateTimeLocal(choice.date);
    case "30d":
    case "90d":
    case "1y":
      return nowS + PRESET_DAYS[choice.preset] * DAY_S;
  }
}

export function isSameExpiryChoice(a: ExpiryChoice, b: ExpiryChoice): boolean {
  return a.preset === b.preset && (a.preset !== "custom" || a.date === b.date);
}
