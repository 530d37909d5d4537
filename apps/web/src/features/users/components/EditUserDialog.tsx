import { useState, type FormEvent } from "react";
import { ConfirmDialog } from "../../../components/ConfirmDialog.js";
import { Dialog } from "../../../components/Dialog.js";
import { FormActions } from "../../../components/FormActions.js";
import { ErrorMessage } from "../../../components/ErrorMessage.js";
import { useFieldErrors } from "../../../components/use-field-errors.js";
import { expiryChoiceOf, isSameExpiryChoice, resolveExpiry } from "../../../lib/expiry.js";
import { useSessionState } from "../../../lib/session.js";
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
  const isSelf = useSessionState().session?.username === user.userid;
  // Disabling one's own account ends this session and every later login: a lockout
  // guard asks for the user id typed out first (issue 18).
  const [pendingSelfDisable, setPendingSelfDisable] = useState<number | null>(null);

  function save(expire: number) {
    updateUser.mutate({ ...profile, userid: user.userid, expire }, { onSuccess: onSaved });
  }

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
    if (isSelf && user.enable && !profile.enable) {
      setPendingSelfDisable(expire);
      return;
    }
    save(expire);
  }

  if (pendingSelfDisable !== null) {
    return (
      <ConfirmDialog
        title="Disable your own account?"
        confirmLabel="Disable my account"
        confirmPhrase={user.userid}
        pending={updateUser.isPending}
        error={updateUser.error}
        onCancel={() => {
          setPendingSelfDisable(null);
          updateUser.reset();
        }}
        onConfirm={() => save(pendingSelfDisable)}
      >
        <p className="warning">
          <strong>{user.userid}</strong> is the account you are logged in with. Once disabled it cannot log in, this console included, until
          another administrator enables it again.
        </p>
      </ConfirmDialog>
    );
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
        <FormActions onCancel={onClose} pending={updateUser.isPending} submitLabel="Save" pendingLabel="Saving…" />
      </form>
    </Dialog>
  );
}
