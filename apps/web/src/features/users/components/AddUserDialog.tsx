import { useState, type FormEvent } from "react";
import { Dialog } from "../../../components/Dialog.js";
import { FormActions } from "../../../components/FormActions.js";
import { ErrorMessage } from "../../../components/ErrorMessage.js";
import { TextField } from "../../../components/TextField.js";
import { useFieldErrors } from "../../../components/use-field-errors.js";
import { ApiError } from "../../../lib/api-error.js";
import { resolveExpiry } from "../../../lib/expiry.js";
import { nowEpochSeconds } from "../../../lib/time.js";
import { validateEmail, validateExpiry, validatePassword, validateUserid } from "../../../lib/validation.js";
import { useCreateUser } from "../api/create-user.js";
import { UserProfileFields, type UserProfileValues } from "./UserProfileFields.js";

export interface AddUserDialogProps {
  onCreated: (userid: string) => void;
  onClose: () => void;
}

const EMPTY_PROFILE: UserProfileValues = {
  enable: true,
  expire: { preset: "never", date: "" },
  comment: "",
  firstname: "",
  lastname: "",
  email: "",
};

type Field = "userid" | "password" | "expire" | "email";
const SERVER_FIELDS: readonly string[] = ["userid", "password", "expire", "email"];

export function AddUserDialog({ onCreated, onClose }: AddUserDialogProps) {
  const createUser = useCreateUser();
  const [userid, setUserid] = useState("");
  const [password, setPassword] = useState("");
  const [confirmation, setConfirmation] = useState("");
  const [profile, setProfile] = useState(EMPTY_PROFILE);
  const { errors, report, clear, formRef } = useFieldErrors<Field>();

  function edited(field?: Field) {
    if (field !== undefined) clear(field);
    if (createUser.isError) createUser.reset();
  }

  function reportServerError(error: unknown) {
    if (!(error instanceof ApiError)) return;
    if (error.status === 409) {
      report({ userid: `A user ${userid.trim()} already exists.` });
      return;
    }
    const next: Partial<Record<Field, string>> = {};
    for (const [param, reason] of Object.entries(error.errors)) {
      if (SERVER_FIELDS.includes(param)) next[param as Field] = reason;
    }
    if (Object.keys(next).length > 0) report(next);
  }

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const nowS = nowEpochSeconds();
    const expire = resolveExpiry(profile.expire, nowS);
    const invalid = report({
      userid: validateUserid(userid.trim()),
      // No password is allowed: such a user can own tokens but not log in.
      password: password === "" && confirmation === "" ? null : validatePassword(password, confirmation),
      expire: validateExpiry(expire, nowS),
      email: validateEmail(profile.email.trim()),
    });
    if (invalid || expire === null) return;
    const id = userid.trim();
    createUser.mutate({ ...profile, userid: id, password, expire }, { onSuccess: () => onCreated(id), onError: reportServerError });
  }

  const serverErrorAtField =
    createUser.error instanceof ApiError &&
    (createUser.error.status === 409 || Object.keys(createUser.error.errors).some((param) => SERVER_FIELDS.includes(param)));

  return (
    <Dialog title="Add user" onClose={onClose} busy={createUser.isPending}>
      <form ref={formRef} onSubmit={handleSubmit} noValidate className="form">
        <TextField
          label="User ID"
          value={userid}
          onChange={(value) => {
            setUserid(value);
            edited("userid");
          }}
          error={errors.userid}
          hint="name@realm, for example alice@pbs."
          autoComplete="off"
          spellCheck={false}
        />
        <div className="field-row">
          <TextField
            label="Password"
            type="password"
            value={password}
            onChange={(value) => {
              setPassword(value);
              edited("password");
            }}
            error={errors.password}
            autoComplete="new-password"
            hint="Optional: without one the user cannot log in."
          />
          <TextField
            label="Confirm password"
            type="password"
            value={confirmation}
            onChange={(value) => {
              setConfirmation(value);
              edited("password");
            }}
            autoComplete="new-password"
          />
        </div>
        <UserProfileFields
          values={profile}
          onChange={(values, field) => {
            setProfile(values);
            edited(field === "expire" || field === "email" ? field : undefined);
          }}
          errors={errors}
        />
        {serverErrorAtField ? null : <ErrorMessage error={createUser.error} />}
        <FormActions onCancel={onClose} pending={createUser.isPending} submitLabel="Add user" pendingLabel="Adding…" />
      </form>
    </Dialog>
  );
}
