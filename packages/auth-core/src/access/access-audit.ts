/**
 * How the facade turns its operations into audit records (issue 14): who acted,
 * from where, under which request, and a detail made only of field names, roles
 * and numbers, so no record can carry a secret, a password, a ticket or a hash.
 */
import type { AuthContext, LoginInput, UpdateTokenInput, UpdateUserInput } from "./types.js";
import { toStorableAuditEvent } from "../core/audit.js";
import type { AuditEvent, AuditOutcome, AuditPage, AuditQuery } from "../core/audit.js";
import { nowEpochSeconds } from "../core/clock.js";
import type { Clock } from "../core/clock.js";
import { parseUserid } from "../core/ids.js";
import type { AccessStore } from "../store/store.js";
import type { ThrottleScope } from "../guard/throttle.js";

/** The user fields an update may name in its record; the password is its own action. */
const USER_UPDATE_FIELDS = ["enable", "expire", "comment", "firstname", "lastname", "email"] as const;
const TOKEN_UPDATE_FIELDS = ["enable", "expire", "comment"] as const;

export class AuditRecorder {
  constructor(
    private readonly store: AccessStore,
    private readonly clock: Clock,
    private readonly onError: ((error: unknown) => void) | undefined,
  ) {}

  event(actor: AuthContext | null, action: string, target?: string, detail?: string, outcome: AuditOutcome = "success"): AuditEvent {
    const event: AuditEvent = { time: nowEpochSeconds(this.clock), actor: actor?.authid ?? "", action, outcome };
    if (actor?.source !== undefined) event.source = actor.source;
    if (actor?.requestId !== undefined) event.requestId = actor.requestId;
    if (target !== undefined) event.target = target;
    if (detail !== undefined) event.detail = detail;
    // Checked here too, so a bad event fails the operation before its mutation, not inside the store.
    return toStorableAuditEvent(event);
  }

  /** Events that change nothing: written outside any mutation; a failure is reported, never thrown. */
  async recordStandalone(events: readonly AuditEvent[]): Promise<void> {
    if (this.store.appendAudit === undefined) return;
    try {
      await this.store.appendAudit(events.map(toStorableAuditEvent));
    } catch (error) {
      this.onError?.(error);
    }
  }

  /** A login or renewal. A failed one names the user only when the name is a well-formed userid. */
  async recordLogin(input: LoginInput, userid: string | null, kind: string): Promise<void> {
    const parsed = parseUserid(input.username);
    const target = userid ?? (parsed.ok ? parsed.value.userid : undefined);
    const event: AuditEvent = {
      time: nowEpochSeconds(this.clock),
      actor: userid ?? "",
      action: "login",
      outcome: userid === null ? "failure" : "success",
      detail: kind,
    };
    if (target !== undefined) event.target = target;
    if (input.source !== undefined) event.source = input.source;
    if (input.requestId !== undefined) event.requestId = input.requestId;
    await this.recordStandalone([event]);
  }

  /**
   * A throttle reached its limit (once per window). `id` is a throttle id,
   * `user:<userid>` or `token:<authid>`, made from a well-formed id.
   */
  recordThrottleActivation(scope: ThrottleScope, id: string | undefined, source: string | undefined): void {
    const event: AuditEvent = {
      time: nowEpochSeconds(this.clock),
      actor: "",
      action: "throttle.activated",
      outcome: "throttled",
      detail: scope === "source" ? "per source" : scope === "id" ? "per id, every source" : "per id and source",
    };
    const target = id === undefined ? source : id.slice(id.indexOf(":") + 1);
    if (target !== undefined) event.target = target;
    if (source !== undefined) event.source = source;
    // Fire and forget: the request that tripped the limit is answered without waiting for the record.
    void this.recordStandalone([event]);
  }

  async read(query: AuditQuery): Promise<AuditPage> {
    if (this.store.readAudit === undefined) return { rows: [], total: 0 };
    return this.store.readAudit(query);
  }
}

/** The records of a user update: the fields it changed, and a password change as its own action. */
export function describeUserUpdate(recorder: AuditRecorder, actor: AuthContext, userid: string, input: UpdateUserInput): AuditEvent[] {
  const fields = [...USER_UPDATE_FIELDS.filter((field) => input[field] !== undefined), ...(input.delete ?? []).map((field) => `-${field}`)];
  const events: AuditEvent[] = [];
  if (fields.length > 0 || input.password === undefined)
    events.push(recorder.event(actor, "user.update", userid, describeFields(fields, input.enable)));
  if (input.password !== undefined) events.push(recorder.event(actor, "user.password", userid));
  return events;
}

/** The records of a token update: a regeneration (with its grace) and the fields it changed. */
export function describeTokenUpdate(
  recorder: AuditRecorder,
  actor: AuthContext,
  tokenid: string,
  input: UpdateTokenInput,
  graceS: number,
): AuditEvent[] {
  const fields = [
    ...TOKEN_UPDATE_FIELDS.filter((field) => input[field] !== undefined),
    ...(input.delete ?? []).map((field) => `-${field}`),
  ];
  const events: AuditEvent[] = [];
  if (input.regenerate === true) events.push(recorder.event(actor, "token.regenerate", tokenid, `grace=${graceS}s`));
  if (fields.length > 0 || input.regenerate !== true)
    events.push(recorder.event(actor, "token.update", tokenid, describeFields(fields, input.enable)));
  return events;
}

function describeFields(fields: readonly string[], enable: boolean | undefined): string {
  if (fields.length === 0) return "no fields";
  const enableNote = enable === undefined ? "" : ` (${enable ? "enabled" : "disabled"})`;
  return `fields=${fields.join(",")}${enableNote}`;
}
