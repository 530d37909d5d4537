/**
 * The effective state of an API token, as the server computes it (the `status`
 * field of the token listings, docs/design.md "list paging" extension): a token is
 * refused when it or its owner is disabled or expired, and the console shows which.
 * The only thing added here is the "expires soon" warning for an active token.
 */
export const TOKEN_STATUSES = ["active", "disabled", "owner-disabled", "expired", "owner-expired"] as const;
export type TokenStatus = (typeof TOKEN_STATUSES)[number];

export function isTokenStatus(value: unknown): value is TokenStatus {
  return typeof value === "string" && (TOKEN_STATUSES as readonly string[]).includes(value);
}

/** The status filter of the token list: the server's `status` query values. */
export const TOKEN_STATUS_FILTERS = ["active", "disabled", "owner-disabled", "expired", "expiring"] as const;
export type TokenStatusFilter = (typeof TOKEN_STATUS_FILTERS)[number];

export const TOKEN_STATUS_FILTER_LABELS: Record<TokenStatusFilter, string> = {
  active: "Active",
  disabled: "Disabled",
  "owner-disabled": "Owner disabled",
  expired: "Expired",
  expiring: "Expiring within 7 days",
};

/** Matches the server's "expiring" filter: active and expiring within 7 days. */
export const EXPIRING_SOON_S = 7 * 86_400;
const DAY_S = 86_400;
const HOUR_S = 3_600;

export type StatusTone = "ok" | "warn" | "off";

export interface StatusView {
  label: string;
  tone: StatusTone;
  /** A longer sentence for the tooltip and screen readers. */
  explanation: string;
}

function describeRemaining(remainingS: number): string {
  if (remainingS >= DAY_S) return `Expires in ${Math.floor(remainingS / DAY_S)} d`;
  if (remainingS >= HOUR_S) return `Expires in ${Math.floor(remainingS / HOUR_S)} h`;
  return "Expires in < 1 h";
}

/** What the status column shows; `expire` and `nowS` are epoch seconds. */
export function describeTokenStatus(status: TokenStatus, expire: number, nowS: number): StatusView {
  switch (status) {
    case "active": {
      const remaining = expire - nowS;
      if (expire !== 0 && remaining > 0 && remaining <= EXPIRING_SOON_S) {
        return { label: describeRemaining(remaining), tone: "warn", explanation: "Works now, but expires within 7 days." };
      }
      return { label: "Active", tone: "ok", explanation: "The token is accepted." };
    }
    case "disabled":
      return { label: "Disabled", tone: "off", explanation: "The token is disabled and refused." };
    case "owner-disabled":
      return { label: "Owner disabled", tone: "off", explanation: "Its user is disabled, so the token is refused." };
    case "expired":
      return { label: "Expired", tone: "off", explanation: "The token has expired and is refused." };
    case "owner-expired":
      return { label: "Owner expired", tone: "off", explanation: "Its user has expired, so the token is refused." };
  }
}

/** A token whose own flags make a fresh secret useless until they change too. */
export function needsRevivalOnRegenerate(status: TokenStatus): status is "disabled" | "expired" {
  return status === "disabled" || status === "expired";
}
