/**
 * One user's second factors: kind, description, when added, state (recovery keys
 * left), and Remove. Used for the caller's own factors and, in a dialog, for another
 * user's (an admin's view).
 */
import { Button } from "../../../components/Button.js";
import { Table, type TableColumn } from "../../../components/Table.js";
import { formatExpire } from "../../../lib/time.js";
import type { FactorRow } from "../api/get-tfa.js";
import { FACTOR_TYPE_LABELS, factorName, factorStatus } from "../factor-labels.js";

export interface FactorTableProps {
  caption: string;
  factors: readonly FactorRow[] | undefined;
  isLoading: boolean;
  error: unknown;
  onRetry?: () => void;
  emptyMessage: string;
  /** Why the caller may not remove these factors, or null. */
  removeRefusal: string | null;
  onRemove: (factor: FactorRow) => void;
}

export function FactorTable({ caption, factors, isLoading, error, onRetry, emptyMessage, removeRefusal, onRemove }: FactorTableProps) {
  const columns: TableColumn<FactorRow>[] = [
    { id: "type", header: "Kind", isRowHeader: true, render: (factor) => FACTOR_TYPE_LABELS[factor.type] },
    { id: "description", header: "Description", render: (factor) => factor.description, className: "cell--comment" },
    { id: "created", header: "Added", render: (factor) => formatExpire(factor.created) },
    {
      id: "status",
      header: "Status",
      render: (factor) => (
        <span className={`badge ${factor.enabled && factor.available !== 0 ? "badge--ok" : "badge--warn"}`}>{factorStatus(factor)}</span>
      ),
    },
    {
      id: "actions",
      header: "Actions",
      className: "cell--actions",
      render: (factor) => (
        <div className="row-actions">
          <Button
            variant="ghost"
            className="button--ghost-danger"
            aria-label={`Remove ${factorName(factor)}`}
            disabledReason={removeRefusal}
            onClick={() => onRemove(factor)}
          >
            Remove
          </Button>
        </div>
      ),
    },
  ];
  return (
    <Table
      caption={caption}
      columns={columns}
      rows={factors}
      getRowKey={(factor) => factor.id}
      isLoading={isLoading}
      error={error}
      onRetry={onRetry}
      emptyMessage={emptyMessage}
    />
  );
}
