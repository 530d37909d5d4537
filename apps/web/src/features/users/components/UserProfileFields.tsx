/** The editable properties shared by the add and edit dialogs. */
import { CheckboxField } from "../../../components/CheckboxField.js";
import { ExpireField } from "../../../components/ExpireField.js";
import { TextField } from "../../../components/TextField.js";

export interface UserProfileValues {
  enable: boolean;
  /** Raw `datetime-local` text; empty for never. */
  expire: string;
  comment: string;
  firstname: string;
  lastname: string;
  email: string;
}

export interface UserProfileErrors {
  expire?: string | null;
  email?: string | null;
}

export interface UserProfileFieldsProps {
  values: UserProfileValues;
  onChange: (values: UserProfileValues) => void;
  errors: UserProfileErrors;
}

export function UserProfileFields({ values, onChange, errors }: UserProfileFieldsProps) {
  function set<K extends keyof UserProfileValues>(key: K) {
    return (value: UserProfileValues[K]) => onChange({ ...values, [key]: value });
  }
  return (
    <>
      <CheckboxField
        label="Enabled"
        checked={values.enable}
        onChange={set("enable")}
        hint="A disabled user cannot log in, and its tokens stop working."
      />
      <ExpireField value={values.expire} onChange={set("expire")} error={errors.expire} />
      <div className="field-row">
        <TextField label="First name" value={values.firstname} onChange={set("firstname")} autoComplete="off" />
        <TextField label="Last name" value={values.lastname} onChange={set("lastname")} autoComplete="off" />
      </div>
      <TextField
        label="Email"
        type="email"
        value={values.email}
        onChange={set("email")}
        error={errors.email}
        autoComplete="off"
      />
      <TextField label="Comment" value={values.comment} onChange={set("comment")} autoComplete="off" />
    </>
  );
}
