/**
 * `Retry-After` (RFC 9110 10.2.3): delay-seconds or an HTTP-date. Returns
 * milliseconds to wait, or null when the header is absent or unreadable.
 */
export function parseRetryAfter(header: string | null, nowMs: number): number | null {
  if (header === null) return null;
  const value = header.trim();
  if (/^\d{1,9}$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - nowMs);
}
