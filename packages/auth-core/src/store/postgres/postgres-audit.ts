/** The audit table of the PostgreSQL backend: its insert columns and its filtered, paged read. */
import type { Pool } from "pg";
import { toStorableAuditEvent } from "../../core/audit.js";
import type { AuditEvent, AuditPage, AuditQuery, AuditRecord } from "../../core/audit.js";
import { isTokenAuthid } from "../../core/ids.js";

/** Audit events as the columns of insertAudit, each checked to hold no credential. */
export function auditColumns(events: readonly AuditEvent[]): unknown[][] {
  const stored = events.map(toStorableAuditEvent);
  return [
    stored.map((e) => e.time),
    stored.map((e) => e.actor),
    stored.map((e) => e.source ?? null),
    stored.map((e) => e.action),
    stored.map((e) => e.target ?? null),
    stored.map((e) => e.outcome),
    stored.map((e) => e.requestId ?? null),
    stored.map((e) => e.detail ?? null),
  ];
}

/** One page of `table`, newest first, with the count of every row the filter matches. */
export async function queryAuditPage(pool: Pool, table: string, query: AuditQuery): Promise<AuditPage> {
  const where: string[] = [];
  const params: unknown[] = [];
  const bind = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  if (query.since !== undefined) where.push(`time >= ${bind(query.since)}`);
  if (query.until !== undefined) where.push(`time < ${bind(query.until)}`);
  if (query.actor !== undefined) where.push(`actor = ${bind(query.actor)}`);
  if (query.outcome !== undefined) where.push(`outcome = ${bind(query.outcome)}`);
  if (query.action !== undefined) {
    where.push(`(action = ${bind(query.action)} OR action LIKE ${bind(`${escapeLike(query.action)}.%`)})`);
  }
  if (query.target !== undefined) {
    const ownTokens = isTokenAuthid(query.target) ? "" : ` OR target LIKE ${bind(`${escapeLike(query.target)}!%`)}`;
    where.push(`(target = ${bind(query.target)}${ownTokens})`);
  }
  const filter = where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`;
  const countParams = [...params];
  const { rows } = await pool.query<Record<string, unknown>>(
    `SELECT id::text AS id, time::text AS time, actor, source, action, target, outcome, request_id, detail
       FROM ${table} ${filter} ORDER BY id DESC LIMIT ${bind(query.limit)} OFFSET ${bind(query.start)}`,
    params,
  );
  const counted = await pool.query<{ total: string }>(`SELECT count(*)::text AS total FROM ${table} ${filter}`, countParams);
  return { rows: rows.map(toAuditRecord), total: Number(counted.rows[0]?.total ?? 0) };
}

function toAuditRecord(row: Record<string, unknown>): AuditRecord {
  const record: AuditRecord = {
    id: Number(row.id),
    time: Number(row.time),
    actor: String(row.actor),
    action: String(row.action),
    outcome: String(row.outcome) as AuditRecord["outcome"],
  };
  if (typeof row.source === "string") record.source = row.source;
  if (typeof row.target === "string") record.target = row.target;
  if (typeof row.request_id === "string") record.requestId = row.request_id;
  if (typeof row.detail === "string") record.detail = row.detail;
  return record;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
