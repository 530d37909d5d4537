import { useState, type FormEvent } from "react";
import { CheckboxField } from "../../../components/CheckboxField.js";
import { Dialog } from "../../../components/Dialog.js";
import { FormActions } from "../../../components/FormActions.js";
import { ErrorMessage } from "../../../components/ErrorMessage.js";
import { ExpireField } from "../../../components/ExpireField.js";
import { TextField } from "../../../components/TextField.js";
import { useFieldErrors } from "../../../components/use-field-errors.js";
import { expiryChoiceOf, isSameExpiryChoice, resolveExpiry, type ExpiryChoice } from "../../../lib/expiry.js";
import { formatExpire, nowEpochSeconds } from "../../../lib/time.js";
import { validateExpiry } from "../../../lib/validation.js";
import type { TokenRow } from "../api/get-tokens.js";
import { useUpdateToken } from "../api/update-token.js";

export interface EditTokenDialogProps {
  token: TokenRow;
  onSaved: () => void;
  onClose: () => void;
}

export function EditTokenDialog({ token, onSaved, onClose }: EditTokenDialogProps) {
  const updateToken = useUpdateToken();
  const initialExpire = expiryChoiceOf(token.expire);
  const [comment, setComment] = useState(token.comment);
  const [enable, setEnable] = useState(token.enable);
  const [expire, setExpire] = useState<ExpiryChoice>(initialExpire);
  const { errors, report, clear, formRef } = useFieldErrors<"expire">();

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const nowS = nowEpochSeconds();
    const unchanged = isSameExpiryChoice(expire, initialExpire);
    const expireEpoch = unchanged ? token.expire : resolveExpiry(expire, nowS);
    // An already expired token may keep its date while the comment is edited.
    if (report({ expire: unchanged ? null : validateExpiry(expireEpoch, nowS) }) || expireEpoch === null) return;
    updateToken.mutate({ userid: token.userid, tokenName: token.tokenName, enable, expire: expireEpoch, comment }, { onSuccess: onSaved });
  }

  return (
    <Dialog title={`Edit token ${token.tokenid}`} onClose={onClose} busy={updateToken.isPending}>
      <form ref={formRef} onSubmit={handleSubmit} noValidate className="form">
        <TextField
          label="Comment"
          value={comment}
          onChange={(value) => {
            setComment(value);
            updateToken.reset();
          }}
          autoComplete="off"
        />
        <ExpireField
          value={expire}
          onChange={(value) => {
            setExpire(value);
            clear("expire");
            updateToken.reset();
          }}
          error={errors.expire}
          hint={`Now: ${formatExpire(token.expire)}.`}
        />
        <CheckboxField
          label="Enabled"
          checked={enable}
          onChange={setEnable}
          hint="A disabled token is refused at once, on every server process."
        />
        <ErrorMessage error={updateToken.error} />
        <FormActions onCancel={onClose} pending={updateToken.isPending} submitLabel="Save" pendingLabel="Saving…" />
      </form>
    </Dialog>
  );
}
