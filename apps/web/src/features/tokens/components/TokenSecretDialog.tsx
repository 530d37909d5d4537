/**
 * Shows a token secret the one time the server hands it out. The secret lives only in
 * this dialog's props; closing it forgets the value.
 */
import { Button } from "../../../components/Button.js";
import { CopyButton } from "../../../components/CopyButton.js";
import { Dialog } from "../../../components/Dialog.js";
import { TextField } from "../../../components/TextField.js";

export interface TokenSecretDialogProps {
  tokenid: string;
  secret: string;
  regenerated: boolean;
  onClose: () => void;
}

function ignoreEdit(): void {
  // The fields are read-only; they are inputs so the value can be selected and copied.
}

export function TokenSecretDialog({ tokenid, secret, regenerated, onClose }: TokenSecretDialogProps) {
  return (
    <Dialog
      title={regenerated ? "New token secret" : "Token created"}
      description="Copy the secret now: it is shown only once and cannot be retrieved later."
      onClose={onClose}
    >
      <div className="secret">
        <div className="secret__row">
          <TextField label="Token ID" value={tokenid} onChange={ignoreEdit} readOnly className="mono" />
          <CopyButton value={tokenid} label="Copy token ID" />
        </div>
        <div className="secret__row">
          <TextField label="Secret" value={secret} onChange={ignoreEdit} readOnly className="mono" />
          <CopyButton value={secret} label="Copy secret" />
        </div>
      </div>
      <p className="dialog__hint">
        Send it as <code>Authorization: PBSAPIToken={tokenid}:&lt;secret&gt;</code>. A new token has no privileges until
        an ACL entry grants them.
      </p>
      <div className="actions">
        <Button variant="primary" onClick={onClose} data-autofocus>
          I have copied the secret
        </Button>
      </div>
    </Dialog>
  );
}
