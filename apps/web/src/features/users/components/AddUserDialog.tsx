import { useState, type FormEvent } from "react";
import { Button } from "../../../components/Button.js";
import { Dialog } from "../../../components/Dialog.js";
import { ErrorMessage } from "../../../components/ErrorMessage.js";
import { TextField } from "../../../components/TextField.js";
import { nowEpochSeconds, parseDateTimeLocal } from "../../../lib/time.js";
import { validateEmail, validateExpiry, validatePassword, validateUserid } from "../../../lib/validation.js";
import { useCreateUser } from "../api/create-user.js";
import { UserProfileFields, type UserProfileErrors, type UserProfileValues } from "./UserProfileFields.js";

export interface AddUserDialogProps {
  onClose: () => void;
}

const EMPTY_PROFILE: UserProfileValues = { enable: true, expire: "", comment: "", firstname: "", lastname: "", email: "" };

interface FieldErrors extends UserProfileErrors {
  userid?: string | null;
  password?: string | null;
}

export function AddUserDialog({ onClose }: AddUserDialogProps) {
  const createUser = useCreateUser();
  const [userid, setUserid] = useState("");
  const [password, setPassword] = useState("");
  const [confirmation, setConfirmation] = useState("");
  const [profile, setProfile] = useState(EMPTY_PROFILE);
  const [errors, setErrors] = useState<FieldErrors>({});

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const expire = parseDateTimeLocal(profile.expire);
    const next: FieldErrors = {
      userid: validateUserid(userid.trim()),
      // No password is allowed: such a user can own tokens but not log in.
      password: password === "" && confirmation === "" ? null : validatePassword(password, confirmation),
      expire: validateExpiry(expire, nowEpochSeconds()),
      email: validateEmail(profile.email.trim()),
    };
    setErrors(next);
    if (Object.values(next).some((error) => error !== null) || expire === null) return;
    createUser.mutate({ ...profile, userid: userid.trim(), password, expire }, { onSuccess: onClose });
  }

  return (
    <Dialog title="Add user" onClose={onClose} busy={createUser.isPending}>
      <form onSubmit={handleSubmit} noValidate className="form">
        <TextField
          label="User ID"
          value={userid}
          onChange={setUserid}
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
            onChange={setPassword}
            error={errors.password}
            autoComplete="new-password"
            hint="Optional: without one the user cannot log in."
          />
          <TextField
            label="Confirm password"
            type="password"
            value={confirmation}
            onChange={setConfirmation}
            autoComplete="new-password"
          />
        </div>
        <UserProfileFields values={profile} onChange={setProfile} errors={errors} />
        <ErrorMessage error={createUser.error} />
        <div className="actions">
          <Button onClick={onClose} disabled={createUser.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" pending={createUser.isPending}>
            {createUser.isPending ? "Adding…" : "Add user"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
