/**
 * The editable properties shared by the add and edit dialogs. The Enabled checkbox
 * comes last: the dialog focuses its first field, and a stray Space on a focused
 * checkbox would disable the user (issue 18).
 */
import { CheckboxField } from "../../../components/CheckboxField.js";
import { ExpireField } from "../../../components/ExpireField.js";
import { TextField } from "../../../components/TextField.js";
import type { ExpiryChoice } from "../../../lib/expiry.js";

export interface UserProfileValues {
  enable: boolean;
  expire: ExpiryChoice;
  comment: string;
  firstname: string;
  lastname: string;
  email: string;
}

export type UserProfileField = "expire" | "email";

export interface UserProfileErrors {
  expire?: string | null;
  email?: string | null;
}

export interface UserProfileFieldsProps {
  values: UserProfileValues;
  onChange: (values: UserProfileValues, field: keyof UserProfileValues) => void;
  errors: UserProfileErrors;
  /** The edit dialog says what the stored expiry is. */
  expireHint?: string;
  /** False when the caller may not disable this user (e.g. itself without confirmation). */
  enableHint?: string;
}

export function UserProfileFields({ values, onChange, errors, expireHint, enableHint }: UserProfileFieldsProps) {
  function set<K extends keyof UserProfileValues>(key: K) {
    return (value: UserProfileValues[K]) => onChange({ ...values, [key]: value }, key);
  }
  return (
    <>
      <div className="field-row">
        <TextField label="First name" value={values.firstname} onChange={set("firstname")} autoComplete="off" />
        <TextField label="Last name" value={values.lastname} onChange={set("lastname")} autoComplete="off" />
      </div>
      <TextField label="Email" type="email" value={values.email} onChange={set("email")} error={errors.email} autoComplete="off" />
      <TextField label="Comment" value={values.comment} onChange={set("comment")} autoComplete="off" />
      <ExpireField value={values.expire} onChange={set("expire")} error={errors.expire} hint={expireHint} />
      <CheckboxField
        label="Enabled"
        checked={values.enable}
        onChange={set("enable")}
        hint={enableHint ?? "A disabled user cannot log in, and its tokens stop working."}
      />
    </>
  );
}
