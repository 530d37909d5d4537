/**
 * Status and expiry cells shared by the users and API-token lists, so both show an
 * account's state the same way: one effective status (a badge whose text says it,
 * colour is only a second cue) and the expiry date.
 */
import { formatExpire } from "../lib/time.js";
import { RelativeTime } from "./RelativeTime.js";
import { describeTokenStatus, type StatusView, type TokenStatus } from "../lib/token-status.js";

export function StatusBadge({ view }: { view: StatusView }) {
  return (
    <span className={`badge badge--${view.tone}`} title={view.explanation}>
      {view.label}
    </span>
  );
}

export interface TokenStatusCellProps {
  status: TokenStatus;
  expire: number;
  /** One "now" per render of the list, so every row is judged against the same second. */
  nowS: number;
}

export function TokenStatusCell({ status, expire, nowS }: TokenStatusCellProps) {
  return <StatusBadge view={describeTokenStatus(status, expire, nowS)} />;
}

/** A user's own state: the same words as a token's, without the owner cases. */
export function describeUserStatus(enable: boolean, expire: number, nowS: number): StatusView {
  if (!enable) return { label: "Disabled", tone: "off", explanation: "The user cannot log in, and its tokens are refused." };
  const view = describeTokenStatus(expire !== 0 && expire <= nowS ? "expired" : "active", expire, nowS);
  return { ...view, explanation: view.explanation.replace("token", "user") };
}

export function UserStatusCell({ enable, expire, nowS }: { enable: boolean; expire: number; nowS: number }) {
  return <StatusBadge view={describeUserStatus(enable, expire, nowS)} />;
}

/** "never", or the expiry relative to now with the exact time on hover (issue 14). */
export function ExpiresCell({ expire, nowS }: { expire: number; nowS: number }) {
  return expire === 0 ? <>{formatExpire(expire)}</> : <RelativeTime epochS={expire} nowS={nowS} />;
}
