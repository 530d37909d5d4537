/**
 * Shows a token secret the one time the server hands it out. The secret lives only in
 * this dialog's props; closing it forgets the value. So the dialog does not let go by
 * accident: until the secret (or the header) was copied, Escape, the close button and
 * a backdrop click only ask whether to close without copying. The secret is masked
 * until revealed, for a screen that others can see.
 */
import { formatExact } from "../../../lib/relative-time.js";
import { useEffect, useRef, useState } from "react";
import { Button } from "../../../components/Button.js";
import { CopyButton } from "../../../components/CopyButton.js";
import { Dialog } from "../../../components/Dialog.js";
import { TextField } from "../../../components/TextField.js";

export interface TokenSecretDialogProps {
  tokenid: string;
  secret: string;
  regenerated: boolean;
  /** After a rotation with overlap: epoch seconds the old secret keeps working until (issue 14). */
  oldSecretUntil?: number | null;
  onClose: () => void;
}

function ignoreEdit(): void {
  // The fields are read-only; they are inputs so the value can be selected and copied.
}

/** The `Authorization` header value PBS clients send (docs/design.md, per-request authentication). */
export function formatTokenHeader(tokenid: string, secret: string): string {
  return `PBSAPIToken=${tokenid}:${secret}`;
}

export function TokenSecretDialog({ tokenid, secret, regenerated, oldSecretUntil, onClose }: TokenSecretDialogProps) {
  const [copied, setCopied] = useState(false);
  const [revealed, setRevealed] = useState(false);
  const [askingToClose, setAskingToClose] = useState(false);
  const keepOpenRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (askingToClose) keepOpenRef.current?.focus();
  }, [askingToClose]);

  function handleDismiss() {
    if (copied) onClose();
    else setAskingToClose(true);
  }

  function markCopied() {
    setCopied(true);
    setAskingToClose(false);
  }

  return (
    <Dialog
      title={regenerated ? "New token secret" : "Token created"}
      description="Copy the secret now: it is shown only once and cannot be retrieved later."
      onClose={handleDismiss}
    >
      <div className="secret">
        <div className="secret__row">
          <TextField label="Token ID" value={tokenid} onChange={ignoreEdit} readOnly className="mono" />
          <CopyButton value={tokenid} label="Copy token ID" />
        </div>
        <div className="secret__row">
          <TextField
            label="Secret"
            type={revealed ? "text" : "password"}
            value={secret}
            onChange={ignoreEdit}
            readOnly
            className="mono"
            autoComplete="off"
          />
          <Button aria-pressed={revealed} onClick={() => setRevealed((current) => !current)}>
            {revealed ? "Hide" : "Reveal"}
          </Button>
          <CopyButton value={secret} label="Copy secret" onCopied={markCopied} />
        </div>
      </div>
      {oldSecretUntil === undefined || oldSecretUntil === null ? null : (
        <p className="notice" role="note">
          The old secret keeps working until about {formatExact(oldSecretUntil)}. Move every script to the new one before then.
        </p>
      )}
      <div className="secret__header">
        <p className="dialog__hint">
          Scripts send it as the header <code>Authorization: PBSAPIToken={tokenid}:&lt;secret&gt;</code>. A new token has no privileges
          until an ACL entry grants them.
        </p>
        <CopyButton value={formatTokenHeader(tokenid, secret)} label="Copy as header" onCopied={markCopied} />
      </div>
      {askingToClose ? (
        <div className="notice notice--danger" role="alert">
          <p>The secret has not been copied. Once this dialog is closed it cannot be shown again.</p>
          <div className="actions">
            <Button ref={keepOpenRef} onClick={() => setAskingToClose(false)}>
              Keep it open
            </Button>
            <Button variant="danger" onClick={onClose}>
              Close without copying
            </Button>
          </div>
        </div>
      ) : null}
      <div className="actions">
        <Button variant="primary" onClick={onClose} data-autofocus>
          I have copied the secret
        </Button>
      </div>
    </Dialog>
  );
}
