import { useId, useState, type FormEvent } from "react";
import { CheckboxField } from "../../../components/CheckboxField.js";
import { Dialog } from "../../../components/Dialog.js";
import { FormActions } from "../../../components/FormActions.js";
import { ErrorMessage } from "../../../components/ErrorMessage.js";
import { SelectField } from "../../../components/SelectField.js";
import { TextField } from "../../../components/TextField.js";
import { useFieldErrors } from "../../../components/use-field-errors.js";
import { useDebouncedValue } from "../../../lib/use-debounced-value.js";
import { validateAclPath } from "../../../lib/validation.js";
import { useAddAclEntry } from "../api/add-acl-entry.js";
import { useAclSubjects } from "../api/get-acl-subjects.js";
import { describeRoleGrants, useRoles } from "../api/get-roles.js";
import type { RoleId, WireRole } from "../../../lib/wire.js";

const KNOWN_PATHS = ["/", "/access", "/access/users", "/access/acl", "/system"];

export interface AddAclEntryDialogProps {
  onClose: () => void;
}

type AclEntryField = "path" | "authId";

function isRoleIn(roles: readonly WireRole[], value: string): value is RoleId {
  return roles.some((role) => role.roleid === value);
}

export function AddAclEntryDialog({ onClose }: AddAclEntryDialogProps) {
  const addEntry = useAddAclEntry();
  const roles = useRoles();
  const pathListId = useId();
  const subjectListId = useId();
  const [path, setPath] = useState("/");
  const [authId, setAuthId] = useState("");
  const subjects = useAclSubjects(useDebouncedValue(authId.trim(), 250));
  const [role, setRole] = useState<RoleId>("Audit");
  const selectedRole = roles.data?.find((entry) => entry.roleid === role);
  const [propagate, setPropagate] = useState(true);
  // Errors are announced at their fields, and focus goes to the first invalid one.
  const { errors, report, setAndClear, formRef } = useFieldErrors<AclEntryField>();

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const invalid = report({
      path: validateAclPath(path.trim()),
      authId: authId.trim() === "" ? "Enter a user (name@realm) or a token (name@realm!token)." : null,
    });
    if (invalid) return;
    addEntry.mutate({ path: path.trim(), authId: authId.trim(), role, propagate }, { onSuccess: onClose });
  }

  return (
    <Dialog title="Add permission" onClose={onClose} busy={addEntry.isPending}>
      <form ref={formRef} onSubmit={handleSubmit} noValidate className="form">
        <TextField
          label="Path"
          value={path}
          onChange={setAndClear("path", setPath)}
          error={errors.path ?? null}
          list={pathListId}
          autoComplete="off"
          spellCheck={false}
          hint="Where the role applies, for example /access/users."
        />
        <datalist id={pathListId}>
          {KNOWN_PATHS.map((known) => (
            <option key={known} value={known} />
          ))}
        </datalist>
        <TextField
          label="User or token"
          value={authId}
          onChange={setAndClear("authId", setAuthId)}
          error={errors.authId ?? null}
          list={subjectListId}
          autoComplete="off"
          spellCheck={false}
          hint="alice@pbs, or alice@pbs!ci for a token."
        />
        <datalist id={subjectListId}>
          {(subjects.data ?? []).map((subject) => (
            <option key={subject} value={subject} />
          ))}
        </datalist>
        <SelectField
          label="Role"
          value={role}
          onChange={(value) => {
            if (isRoleIn(roles.data ?? [], value)) setRole(value);
          }}
          disabled={roles.data === undefined}
          // Until the catalogue is in, the preselected role is the only choice.
          options={(roles.data ?? [{ roleid: role, comment: "" }]).map((entry) => ({
            value: entry.roleid,
            label: entry.comment === "" ? entry.roleid : `${entry.roleid}: ${entry.comment}`,
          }))}
          hint={
            selectedRole !== undefined
              ? describeRoleGrants(selectedRole)
              : roles.isError
                ? "The roles could not be loaded."
                : "Loading the roles…"
          }
        />
        <ErrorMessage error={roles.error} onRetry={() => void roles.refetch()} />
        <CheckboxField
          label="Propagate"
          checked={propagate}
          onChange={setPropagate}
          hint="Also apply the role to every path below this one."
        />
        <ErrorMessage error={addEntry.error} />
        <FormActions onCancel={onClose} pending={addEntry.isPending} submitLabel="Add permission" pendingLabel="Adding…" />
      </form>
    </Dialog>
  );
}
