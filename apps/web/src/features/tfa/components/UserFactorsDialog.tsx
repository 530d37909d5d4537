/**
 * An admin's view of another user's second factors, each removable (with the
 * admin's own password). The rows come from the screen's listing, so a removal
 * refreshes them here too.
 */
import { Button } from "../../../components/Button.js";
import { Dialog } from "../../../components/Dialog.js";
import type { FactorRow, TfaUserRow } from "../api/get-tfa.js";
import { FactorTable } from "./FactorTable.js";

export interface UserFactorsDialogProps {
  user: TfaUserRow;
  removeRefusal: string | null;
  onRemove: (factor: FactorRow) => void;
  onClose: () => void;
}

export function UserFactorsDialog({ user, removeRefusal, onRemove, onClose }: UserFactorsDialogProps) {
  return (
    <Dialog title={`Second factors of ${user.userid}`} onClose={onClose}>
      <FactorTable
        caption={`Second factors of ${user.userid}`}
        factors={user.factors}
        isLoading={false}
        error={null}
        emptyMessage={`${user.userid} has no second factor left.`}
        removeRefusal={removeRefusal}
        onRemove={onRemove}
      />
      <div className="actions">
        <Button onClick={onClose} data-autofocus>
          Close
        </Button>
      </div>
    </Dialog>
  );
}
