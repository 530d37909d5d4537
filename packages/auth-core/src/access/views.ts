/** The extended listing rows (issue 14): status, creation and last use beside PBS's fields. */
import { ownerOfTokenId, toTokenView, toUserView } from "./config-queries.js";
import { filterInSlices } from "../guard/cooperative.js";
import { invalidParameter } from "../core/input-rules.js";
import { computeTokenStatus } from "./listing.js";
import type { AccessConfig, TokenRecord, UserRecord } from "../core/model.js";
import type { LastUse } from "../store/last-used.js";
import { isPreviousSecretLive } from "./token-rotation.js";

import type { TokenListRow, UserView } from "./types.js";

export const EMPTY_LAST_USES: ReadonlyMap<string, LastUse> = new Map();

export function toTokenListRow(
  config: AccessConfig,
  token: TokenRecord,
  nowS: number,
  lastUses: ReadonlyMap<string, LastUse>,
): TokenListRow {
  const row: TokenListRow = { ...toTokenView(token), status: computeTokenStatus(config, token, ownerOfTokenId(token.tokenid), nowS) };
  if (token.created !== undefined) row.created = token.created;
  if (isPreviousSecretLive(token, nowS) && token.previousSecretUntil !== undefined)
    row["previous-secret-until"] = token.previousSecretUntil;
  addLastUse(row, lastUses.get(token.tokenid));
  return row;
}

export function toExtendedUserView(user: UserRecord, lastUses: ReadonlyMap<string, LastUse>): UserView {
  const view: UserView = toUserView(user);
  if (user.created !== undefined) view.created = user.created;
  addLastUse(view, lastUses.get(user.userid));
  return view;
}

function addLastUse(view: { "last-used"?: number; "last-used-source"?: string }, use: LastUse | undefined): void {
  if (use === undefined) return;
  view["last-used"] = use.time;
  if (use.source !== undefined) view["last-used-source"] = use.source;
}

/**
 * "Not used for N days": neither used nor created within the last N days. A record
 * made before creation times were kept and never seen in use counts as unused.
 */
export async function filterUnused<T extends { created?: number }>(
  records: readonly T[],
  idOf: (record: T) => string,
  lastUses: ReadonlyMap<string, LastUse>,
  days: number,
  nowS: number,
): Promise<T[]> {
  if (!Number.isSafeInteger(days) || days < 1 || days > 36_500) throw invalidParameter("unused-days", "expected 1..36500");
  const cutoff = nowS - days * 86_400;
  return filterInSlices(records, (record) => Math.max(lastUses.get(idOf(record))?.time ?? 0, record.created ?? 0) < cutoff);
}
