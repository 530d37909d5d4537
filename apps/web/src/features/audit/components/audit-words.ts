/**
 * The audit log's actions and outcomes in words (the server's vocabulary is
 * auth-core's AUDIT_ACTIONS, `area.verb`). An action the console does not know yet
 * is shown as the server wrote it.
 */
import type { SelectOption } from "../../../components/SelectField.js";
import type { StatusTone } from "../../../lib/token-status.js";

const ACTION_WORDS: Record<string, string> = {
  login: "Login",
  "user.create": "User created",
  "user.update": "User changed",
  "user.delete": "User deleted",
  "user.password": "Password changed",
  "user.end-sessions": "Sessions ended",
  "token.create": "Token created",
  "token.update": "Token changed",
  "token.delete": "Token deleted",
  "token.regenerate": "Token secret regenerated",
  "acl.update": "Permissions changed",
  "write.denied": "Write refused",
  "throttle.activated": "Throttle or lockout",
  import: "Import",
};

export function describeAction(action: string): string {
  return ACTION_WORDS[action] ?? action;
}

/** The action filter: areas first (the server matches every verb of an area), then the ones admins ask about most. */
export const AUDIT_ACTION_OPTIONS: readonly SelectOption[] = [
  { value: "", label: "All actions" },
  { value: "login", label: "Logins" },
  { value: "user", label: "User changes" },
  { value: "token", label: "Token changes" },
  { value: "token.regenerate", label: "Token rotations" },
  { value: "acl", label: "Permission changes" },
  { value: "tfa", label: "Second factors" },
  { value: "write.denied", label: "Refused writes" },
  { value: "throttle", label: "Throttles and lockouts" },
  { value: "import", label: "Imports" },
];

export function describeOutcome(outcome: string): { label: string; tone: StatusTone } {
  if (outcome === "success") return { label: "Success", tone: "ok" };
  if (outcome === "failure") return { label: "Failure", tone: "warn" };
  if (outcome === "denied") return { label: "Denied", tone: "off" };
  if (outcome === "throttled") return { label: "Throttled", tone: "off" };
  return { label: outcome, tone: "off" };
}
