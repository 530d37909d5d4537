import { useState, type FormEvent } from "react";
import { Button } from "../../../components/Button.js";
import { Dialog } from "../../../components/Dialog.js";
import { ErrorMessage } from "../../../components/ErrorMessage.js";
import { useFieldErrors } from "../../../components/use-field-errors.js";
import { expiryChoiceOf, isSameExpiryChoice, resolveExpiry } from "../../../lib/expiry.js";
import { formatExpire, nowEpochSeconds } from "../../../lib/time.js";
import { validateEmail, validateExpiry } from "../../../lib/validation.js";
import type { UserRow } from "../api/get-users.js";
import { useUpdateUser } from "../api/update-user.js";
import { UserProfileFields, type UserProfileField, type UserProfileValues } from "./UserProfileFields.js";

export interface EditUserDialogProps {
  user: UserRow;
  onSaved: () => void;
  onClose: () => void;
}

export function EditUserDialog({ user, onSaved, onClose }: EditUserDialogProps) {
  const updateUser = useUpdateUser();
  const initialExpire = expiryChoiceOf(user.expire);
  const [profile, setProfile] = useState<UserProfileValues>({
    enable: user.enable,
    expire: initialExpire,
    comment: user.comment,
    firstname: user.firstname,
    lastname: user.lastname,
    email: user.email,
  });
  const { errors, report, clear, formRef } = useFieldErrors<UserProfileField>();

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const nowS = nowEpochSeconds();
    const unchanged = isSameExpiryChoice(profile.expire, initialExpire);
    const expire = unchanged ? user.expire : resolveExpiry(profile.expire, nowS);
    const invalid = report({
      // An already expired user may keep its date while other fields are edited.
      expire: unchanged ? null : validateExpiry(expire, nowS),
      email: validateEmail(profile.email.trim()),
    });
    if (invalid || expire === null) return;
    updateUser.mutate({ ...profile, userid: user.userid, expire }, { onSuccess: onSaved });
  }

  return (
    <Dialog title={`Edit user ${user.userid}`} onClose={onClose} busy={updateUser.isPending}>
      <form ref={formRef} onSubmit={handleSubmit} noValidate className="form">
        <UserProfileFields
          values={profile}
          onChange={(values, field) => {
            setProfile(values);
            if (field === "expire" || field === "email") clear(field);
            if (updateUser.isError) updateUser.reset();
          }}
          errors={errors}
          expireHint={`Now: ${formatExpire(user.expire)}.`}
        />
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
