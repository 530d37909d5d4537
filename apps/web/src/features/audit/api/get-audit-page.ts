/**
 * One page of `GET /access/audit` (decision 030): newest first, filtered by time,
 * actor, target and action, with the count of every match. Needs Sys.Audit on
 * /system; the screen is offered only to callers who hold it.
 */
import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api-client.js";
import type { WireAuditRecord } from "../../../lib/wire.js";

export interface AuditFilters {
  /** Epoch seconds, inclusive; null for no bound. */
  since: number | null;
  /** Epoch seconds, exclusive; null for no bound. */
  until: number | null;
  /** Exact authid; "" for anyone. */
  actor: string;
  /** A userid (its tokens included), a token id, an ACL path; "" for any. */
  target: string;
  /** An action (`token.regenerate`) or an area (`token`); "" for all. */
  action: string;
}

export interface AuditPageQuery extends AuditFilters {
  start: number;
  limit: number;
}

export interface AuditRow {
  id: number;
  time: number;
  actor: string;
  source: string;
  action: string;
  target: string;
  outcome: string;
  detail: string;
}

export function toAuditRow(record: WireAuditRecord): AuditRow {
  return {
    id: record.id,
    time: record.time,
    actor: record.actor,
    source: record.source ?? "",
    action: record.action,
    target: record.target ?? "",
    outcome: record.outcome,
    detail: record.detail ?? "",
  };
}

/** The wire parameters: an empty filter is left out, as the server refuses empty strings. */
export function toAuditParams(query: AuditPageQuery): Record<string, string | number | undefined> {
  const text = (value: string) => (value.trim() === "" ? undefined : value.trim());
  return {
    start: query.start,
    limit: query.limit,
    since: query.since ?? undefined,
    until: query.until ?? undefined,
    actor: text(query.actor),
    target: text(query.target),
    action: text(query.action),
  };
}

export async function fetchAuditPage(query: AuditPageQuery, signal?: AbortSignal): Promise<{ rows: AuditRow[]; total: number }> {
  const page = await api.requestPage<WireAuditRecord>("/access/audit", { query: toAuditParams(query), signal });
  return { rows: page.rows.map(toAuditRow), total: page.total };
}

export const auditKeys = { all: ["access", "audit"] } as const;

export function auditPageQueryOptions(query: AuditPageQuery) {
  return queryOptions({
    queryKey: [...auditKeys.all, "page", query] as const,
    queryFn: ({ signal }) => fetchAuditPage(query, signal),
    placeholderData: keepPreviousData,
    // Every change elsewhere adds records: a log read on screen again is read again.
    staleTime: 0,
  });
}

export function useAuditPage(query: AuditPageQuery) {
  return useQuery(auditPageQueryOptions(query));
}
