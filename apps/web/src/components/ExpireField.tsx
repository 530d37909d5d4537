/**
 * The expiry of a token or user: a preset (never, 30 or 90 days, 1 year) or a local
 * date and time. The date input appears only for "On a date…", and the error sits at
 * whichever control the admin has to fix.
 */
import { EXPIRY_PRESET_LABELS, EXPIRY_PRESETS, isExpiryPreset, type ExpiryChoice } from "../lib/expiry.js";
import { SelectField } from "./SelectField.js";
import { TextField } from "./TextField.js";

export interface ExpireFieldProps {
  label?: string;
  value: ExpiryChoice;
  onChange: (value: ExpiryChoice) => void;
  error?: string | null;
  /** Shown under the preset choice, e.g. the current expiry of the edited entry. */
  hint?: string;
}

export function ExpireField({ label = "Expires", value, onChange, error, hint }: ExpireFieldProps) {
  const custom = value.preset === "custom";
  return (
    <div className="field-group">
      <SelectField
        label={label}
        value={value.preset}
        onChange={(preset) => {
          if (isExpiryPreset(preset)) onChange({ ...value, preset });
        }}
        options={EXPIRY_PRESETS.map((preset) => ({ value: preset, label: EXPIRY_PRESET_LABELS[preset] }))}
        error={custom ? null : error}
        hint={hint}
      />
      {custom ? (
        <TextField
          label="Expiry date"
          type="datetime-local"
          value={value.date}
          onChange={(date) => onChange({ ...value, date })}
          error={error}
          hint="Local time."
        />
      ) : null}
    </div>
  );
}
