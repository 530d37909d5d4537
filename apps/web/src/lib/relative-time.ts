/**
 * "3 days ago", "in 2 hours": the lists show created, last-used and expiry dates
 * relative to now (issue 14), with the exact time one hover away (RelativeTime).
 * English like the rest of the console; the exact time follows the browser's locale.
 */

const RELATIVE_FORMAT = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
const EXACT_FORMAT = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

/** Largest unit first: a difference is shown in the first unit it fills at least once. */
const UNITS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86_400],
  ["month", 30 * 86_400],
  ["week", 7 * 86_400],
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
];

/** `epochS` relative to `nowS`, rounded toward zero so "59 minutes" never reads as "1 hour". */
export function formatRelative(epochS: number, nowS: number): string {
  const delta = epochS - nowS;
  const size = Math.abs(delta);
  for (const [unit, seconds] of UNITS) {
    if (size >= seconds) return RELATIVE_FORMAT.format(Math.trunc(delta / seconds), unit);
  }
  // Under a minute: last use is kept to the minute anyway (decision 031).
  return delta >= 0 && delta < 60 && delta !== 0 ? "in less than a minute" : "just now";
}

export function formatExact(epochS: number): string {
  return EXACT_FORMAT.format(new Date(epochS * 1000));
}

/** The `datetime` attribute of a `<time>` element. */
export function toIsoTime(epochS: number): string {
  return new Date(epochS * 1000).toISOString();
}
