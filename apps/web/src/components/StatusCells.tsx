/**
 * Table cells for the enabled flag and the expiry that users and API tokens share,
 * so both lists show an account's state the same way.
 */
import { formatExpire, isExpired } from "../lib/time.js";

export function EnabledCell({ enabled }: { enabled: boolean }) {
  return <span className={`badge badge--${enabled ? "ok" : "off"}`}>{enabled ? "Yes" : "No"}</span>;
}

export interface ExpiresCellProps {
  /** Epoch seconds, 0 for never. */
  expire: number;
  /** One "now" per render of the list, so every row is judged against the same second. */
  nowS: number;
}

export function ExpiresCell({ expire, nowS }: ExpiresCellProps) {
  return (
    <>
      {formatExpire(expire)}
      {isExpired(expire, nowS) ? <span className="badge badge--off">expired</span> : null}
    </>
  );
}
