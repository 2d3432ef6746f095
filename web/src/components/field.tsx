/**
 * A labelled form field with its error underneath, tied to the input by aria-describedby and
 * aria-invalid so screen readers announce it. Every input of the app is one of these: a control
 * without a label cannot be made.
 */
import type { JSX } from "preact";
import { useId } from "preact/hooks";

type InputProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, "id" | "label">;

export interface FieldProps extends InputProps {
  label: string;
  error?: string | undefined;
  hint?: string;
  multiline?: boolean;
}

export function Field({ label, error, hint, multiline, ...input }: FieldProps) {
  const id = useId();
  const described = [error ? `${id}-error` : "", hint ? `${id}-hint` : ""].filter(Boolean);
  const shared = {
    id,
    "aria-invalid": error ? ("true" as const) : undefined,
    "aria-describedby": described.length ? described.join(" ") : undefined,
  };
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {multiline ? (
        <textarea
          {...shared}
          name={input.name}
          value={input.value}
          onInput={input.onInput as never}
          maxLength={input.maxLength}
          rows={3}
        />
      ) : (
        <input {...input} {...shared} />
      )}
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="error" id={`${id}-error`} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** A failure that belongs to no field, at the top of a form. */
export function FormError({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <p class="form-error" role="alert">
      {message}
    </p>
  );
}
