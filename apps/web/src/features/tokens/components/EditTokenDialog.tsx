import { useState, type FormEvent } from "react";
import { Button } from "../../../components/Button.js";
import { CheckboxField } from "../../../components/CheckboxField.js";
import { Dialog } from "../../../components/Dialog.js";
import { ErrorMessage } from "../../../components/ErrorMessage.js";
import { ExpireField } from "../../../components/ExpireField.js";
import { TextField } from "../../../components/TextField.js";
import { nowEpochSeconds, parseDateTimeLocal, toDateTimeLocal } from "../../../lib/time.js";
import { validateExpiry } from "../../../lib/validation.js";
import type { TokenRow } from "../api/get-tokens.js";
import { useUpdateToken } from "../api/update-token.js";

export interface EditTokenDialogProps {
  token: TokenRow;
  onClose: () => void;
}

export function EditTokenDialog({ token, onClose }: EditTokenDialogProps) {
  const updateToken = useUpdateToken();
  const initialExpire = toDateTimeLocal(token.expire);
  const [comment, setComment] = useState(token.comment);
  const [enable, setEnable] = useState(token.enable);
  const [expire, setExpire] = useState(initialExpire);
  const [expireError, setExpireError] = useState<string | null>(null);

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const unchanged = expire === initialExpire;
    const expireEpoch = unchanged ? token.expire : parseDateTimeLocal(expire);
    // An already expired token may keep its date while the comment is edited.
    const error = unchanged ? null : validateExpiry(expireEpoch, nowEpochSeconds());
    setExpireError(error);
    if (error !== null || expireEpoch === null) return;
    updateToken.mutate(
      { userid: token.userid, tokenName: token.tokenName, enable, expire: expireEpoch, comment },
      { onSuccess: onClose },
    );
  }

  return (
    <Dialog title={`Edit token ${token.tokenid}`} onClose={onClose} busy={updateToken.isPending}>
      <form onSubmit={handleSubmit} noValidate className="form">
        <TextField label="Comment" value={comment} onChange={setComment} autoComplete="off" />
        <CheckboxField
          label="Enabled"
          checked={enable}
          onChange={setEnable}
          hint="A disabled token is refused at once, on every server process."
        />
        <ExpireField value={expire} onChange={setExpire} error={expireError} />
        <ErrorMessage error={updateToken.error} />
        <div className="actions">
          <Button onClick={onClose} disabled={updateToken.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" pending={updateToken.isPending}>
            {updateToken.isPending ? "Saving…" : "Save"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
