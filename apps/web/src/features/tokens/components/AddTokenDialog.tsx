import { useState, type FormEvent } from "react";
import { Button } from "../../../components/Button.js";
import { CheckboxField } from "../../../components/CheckboxField.js";
import { Dialog } from "../../../components/Dialog.js";
import { ErrorMessage } from "../../../components/ErrorMessage.js";
import { ExpireField } from "../../../components/ExpireField.js";
import { SelectField } from "../../../components/SelectField.js";
import { TextField } from "../../../components/TextField.js";
import { nowEpochSeconds, parseDateTimeLocal } from "../../../lib/time.js";
import { validateExpiry, validateTokenName } from "../../../lib/validation.js";
import { useCreateToken, type CreatedToken } from "../api/create-token.js";

export interface AddTokenDialogProps {
  userids: readonly string[];
  defaultUserid: string;
  onCreated: (token: CreatedToken) => void;
  onClose: () => void;
}

interface FieldErrors {
  tokenName: string | null;
  expire: string | null;
}

const NO_ERRORS: FieldErrors = { tokenName: null, expire: null };

export function AddTokenDialog({ userids, defaultUserid, onCreated, onClose }: AddTokenDialogProps) {
  const createToken = useCreateToken();
  const [userid, setUserid] = useState(defaultUserid);
  const [tokenName, setTokenName] = useState("");
  const [expire, setExpire] = useState("");
  const [enable, setEnable] = useState(true);
  const [comment, setComment] = useState("");
  const [errors, setErrors] = useState<FieldErrors>(NO_ERRORS);

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const expireEpoch = parseDateTimeLocal(expire);
    const next: FieldErrors = {
      tokenName: validateTokenName(tokenName, userid),
      expire: validateExpiry(expireEpoch, nowEpochSeconds()),
    };
    setErrors(next);
    if (next.tokenName !== null || next.expire !== null || expireEpoch === null) return;
    createToken.mutate({ userid, tokenName, enable, expire: expireEpoch, comment }, { onSuccess: onCreated });
  }

  return (
    <Dialog title="Add API token" onClose={onClose} busy={createToken.isPending}>
      <form onSubmit={handleSubmit} noValidate className="form">
        <SelectField
          label="User"
          value={userid}
          onChange={setUserid}
          options={userids.map((id) => ({ value: id, label: id }))}
          hint="The token acts for this user, with at most the user's privileges."
        />
        <TextField
          label="Token name"
          value={tokenName}
          onChange={setTokenName}
          error={errors.tokenName}
          autoComplete="off"
          spellCheck={false}
          hint="Letters, digits, '_', '.' and '-'; for example ci-deploy."
        />
        <ExpireField value={expire} onChange={setExpire} error={errors.expire} />
        <CheckboxField label="Enabled" checked={enable} onChange={setEnable} />
        <TextField label="Comment" value={comment} onChange={setComment} autoComplete="off" />
        <ErrorMessage error={createToken.error} />
        <div className="actions">
          <Button onClick={onClose} disabled={createToken.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" pending={createToken.isPending}>
            {createToken.isPending ? "Creating…" : "Create token"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
