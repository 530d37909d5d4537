/**
 * Expiry values travel as epoch seconds with 0 for "never"; the form fields use the
 * local `datetime-local` format. These helpers convert between the two.
 */

export function nowEpochSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}

/** The value for an `<input type="datetime-local">`: empty for never. */
export function toDateTimeLocal(expire: number): string {
  if (expire === 0) return "";
  const date = new Date(expire * 1000);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** Epoch seconds for a `datetime-local` value; 0 when empty, null when malformed. */
export function parseDateTimeLocal(value: string): number | null {
  if (value.trim() === "") return 0;
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (match === null) return null;
  const [, year, month, day, hour, minute, second] = match;
  const date = new Date(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second ?? 0));
  if (Number.isNaN(date.getTime()) || date.getMonth() !== Number(month) - 1) return null;
  return Math.floor(date.getTime() / 1000);
}

const DATE_FORMAT = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function formatExpire(expire: number): string {
  return expire === 0 ? "never" : DATE_FORMAT.format(new Date(expire * 1000));
}

export function isExpired(expire: number, nowS: number): boolean {
  return expire !== 0 && expire <= nowS;
}
