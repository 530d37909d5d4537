import { useState, type FormEvent } from "react";
import { CheckboxField } from "../../../components/CheckboxField.js";
import { Dialog } from "../../../components/Dialog.js";
import { FormActions } from "../../../components/FormActions.js";
import { ErrorMessage } from "../../../components/ErrorMessage.js";
import { ExpireField } from "../../../components/ExpireField.js";
import { SelectField } from "../../../components/SelectField.js";
import { TextField } from "../../../components/TextField.js";
import { useFieldErrors } from "../../../components/use-field-errors.js";
import { ApiError } from "../../../lib/api-error.js";
import { resolveExpiry, type ExpiryChoice } from "../../../lib/expiry.js";
import { nowEpochSeconds } from "../../../lib/time.js";
import { validateExpiry, validateTokenName } from "../../../lib/validation.js";
import { useCreateToken, type CreatedToken } from "../api/create-token.js";

export interface AddTokenDialogProps {
  userids: readonly string[];
  defaultUserid: string;
  onCreated: (token: CreatedToken) => void;
  onClose: () => void;
}

type Field = "tokenName" | "expire";

/** The server's parameter names for the fields of this form. */
const SERVER_FIELDS: Record<string, Field> = { tokenname: "tokenName", expire: "expire" };

export function AddTokenDialog({ userids, defaultUserid, onCreated, onClose }: AddTokenDialogProps) {
  const createToken = useCreateToken();
  const [userid, setUserid] = useState(defaultUserid);
  const [tokenName, setTokenName] = useState("");
  const [expire, setExpire] = useState<ExpiryChoice>({ preset: "never", date: "" });
  const [enable, setEnable] = useState(true);
  const [comment, setComment] = useState("");
  const { errors, report, clear, formRef } = useFieldErrors<Field>();

  function edited(field?: Field) {
    if (field !== undefined) clear(field);
    // A server message about the previous attempt is stale once the form changes.
    if (createToken.isError) createToken.reset();
  }

  function reportServerError(error: unknown) {
    if (!(error instanceof ApiError)) return;
    if (error.status === 409) {
      report({ tokenName: `${userid} already has a token named ${tokenName}. Pick another name.` });
      return;
    }
    const next: Partial<Record<Field, string>> = {};
    for (const [param, reason] of Object.entries(error.errors)) {
      const field = SERVER_FIELDS[param];
      if (field !== undefined) next[field] = reason;
    }
    if (Object.keys(next).length > 0) report(next);
  }

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const nowS = nowEpochSeconds();
    const expireEpoch = resolveExpiry(expire, nowS);
    const invalid = report({
      tokenName: validateTokenName(tokenName, userid),
      expire: validateExpiry(expireEpoch, nowS),
    });
    if (invalid || expireEpoch === null) return;
    createToken.mutate({ userid, tokenName, enable, expire: expireEpoch, comment }, { onSuccess: onCreated, onError: reportServerError });
  }

  const serverErrorAtField =
    createToken.error instanceof ApiError &&
    (createToken.error.status === 409 || Object.keys(createToken.error.errors).some((param) => param in SERVER_FIELDS));

  return (
    <Dialog title="Add API token" onClose={onClose} busy={createToken.isPending}>
      <form ref={formRef} onSubmit={handleSubmit} noValidate className="form">
        <SelectField
          label="User"
          value={userid}
          onChange={(value) => {
            setUserid(value);
            edited("tokenName");
          }}
          options={userids.map((id) => ({ value: id, label: id }))}
          hint="The token acts for this user, with at most the user's privileges."
        />
        <TextField
          label="Token name"
          value={tokenName}
          onChange={(value) => {
            setTokenName(value);
            edited("tokenName");
          }}
          error={errors.tokenName}
          autoComplete="off"
          spellCheck={false}
          hint="Letters, digits, '_', '.' and '-'; for example ci-deploy."
        />
        <ExpireField
          value={expire}
          onChange={(value) => {
            setExpire(value);
            edited("expire");
          }}
          error={errors.expire}
        />
        <CheckboxField label="Enabled" checked={enable} onChange={setEnable} />
        <TextField
          label="Comment"
          value={comment}
          onChange={(value) => {
            setComment(value);
            edited();
          }}
          autoComplete="off"
        />
        {serverErrorAtField ? null : <ErrorMessage error={createToken.error} shownFields={Object.keys(SERVER_FIELDS)} />}
        <FormActions onCancel={onClose} pending={createToken.isPending} submitLabel="Create token" pendingLabel="Creating…" />
      </form>
    </Dialog>
  );
}
