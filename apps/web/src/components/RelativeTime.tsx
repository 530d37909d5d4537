/**
 * A date shown relative to now ("3 days ago") with the exact time as its tooltip,
 * in the `<time datetime>` attribute, and as hidden text for screen readers, which
 * do not reliably read a title (issue 14).
 */
import { formatExact, formatRelative, toIsoTime } from "../lib/relative-time.js";

export interface RelativeTimeProps {
  /** Epoch seconds. */
  epochS: number;
  /** One "now" per render of a list, so every row is judged against the same second. */
  nowS: number;
  /** Words after the time, e.g. the source address of a last use. */
  suffix?: string;
}

export function RelativeTime({ epochS, nowS, suffix }: RelativeTimeProps) {
  const exact = formatExact(epochS);
  return (
    <span className="relative-time">
      <time dateTime={toIsoTime(epochS)} title={exact}>
        {formatRelative(epochS, nowS)}
        <span className="visually-hidden"> ({exact})</span>
      </time>
      {suffix === undefined ? null : <span className="relative-time__note"> {suffix}</span>}
    </span>
  );
}

export interface OptionalRelativeTimeProps extends Omit<RelativeTimeProps, "epochS"> {
  epochS: number | undefined;
  /** What to say without a time: "never", "not recorded". */
  missing: string;
}

export function OptionalRelativeTime({ epochS, missing, ...rest }: OptionalRelativeTimeProps) {
  if (epochS === undefined || epochS === 0) return <span className="relative-time__note">{missing}</span>;
  return <RelativeTime epochS={epochS} {...rest} />;
}
