import { useState, type FormEvent } from "react";
import { Button } from "../../../components/Button.js";
import { Dialog } from "../../../components/Dialog.js";
import { ErrorMessage } from "../../../components/ErrorMessage.js";
import { nowEpochSeconds, parseDateTimeLocal, toDateTimeLocal } from "../../../lib/time.js";
import { validateEmail, validateExpiry } from "../../../lib/validation.js";
import type { UserRow } from "../api/get-users.js";
import { useUpdateUser } from "../api/update-user.js";
import { UserProfileFields, type UserProfileErrors, type UserProfileValues } from "./UserProfileFields.js";

export interface EditUserDialogProps {
  user: UserRow;
  onClose: () => void;
}

export function EditUserDialog({ user, onClose }: EditUserDialogProps) {
  const updateUser = useUpdateUser();
  const initialExpire = toDateTimeLocal(user.expire);
  const [profile, setProfile] = useState<UserProfileValues>({
    enable: user.enable,
    expire: initialExpire,
    comment: user.comment,
    firstname: user.firstname,
    lastname: user.lastname,
    email: user.email,
  });
  const [errors, setErrors] = useState<UserProfileErrors>({});

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const unchanged = profile.expire === initialExpire;
    const expire = unchanged ? user.expire : parseDateTimeLocal(profile.expire);
    const next: UserProfileErrors = {
      // An already expired user may keep its date while other fields are edited.
      expire: unchanged ? null : validateExpiry(expire, nowEpochSeconds()),
      email: validateEmail(profile.email.trim()),
    };
    setErrors(next);
    if (next.expire !== null || next.email !== null || expire === null) return;
    updateUser.mutate({ ...profile, userid: user.userid, expire }, { onSuccess: onClose });
  }

  return (
    <Dialog title={`Edit user ${user.userid}`} onClose={onClose} busy={updateUser.isPending}>
      <form onSubmit={handleSubmit} noValidate className="form">
        <UserProfileFields values={profile} onChange={setProfile} errors={errors} />
        <ErrorMessage error={updateUser.error} />
        <div className="actions">
          <Button onClick={onClose} disabled={updateUser.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" pending={updateUser.isPending}>
            {updateUser.isPending ? "Saving…" : "Save"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
