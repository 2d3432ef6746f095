/**
 * The fields of a hangout, for creating one and for the owner's edits: Title, Starts at, Ends
 * at, Place and Notes. The API checks them; its messages appear under the field they name.
 */
import { useState } from "preact/hooks";
import type { Hangout, NewHangout } from "../api/types.ts";
import { fromLocalInput, toLocalInput } from "./dates.ts";
import { Field, FormError } from "./field.tsx";
import { useSubmit } from "./use-form.ts";

export interface HangoutFormProps {
  initial?: Hangout;
  submitLabel: string;
  onSubmit(values: NewHangout): Promise<unknown>;
  onCancel?: () => void;
}

export function HangoutForm({ initial, submitLabel, onSubmit, onCancel }: HangoutFormProps) {
  const [title, setTitle] = useState(initial?.title ?? "");
  const [startsAt, setStartsAt] = useState(toLocalInput(initial?.startsAt));
  const [endsAt, setEndsAt] = useState(toLocalInput(initial?.endsAt));
  const [place, setPlace] = useState(initial?.location?.name ?? "");
  const [notes, setNotes] = useState(initial?.description ?? "");
  const form = useSubmit(() =>
    onSubmit({
      title,
      startsAt: fromLocalInput(startsAt),
      endsAt: endsAt ? fromLocalInput(endsAt) : null,
      location: place.trim() ? { name: place.trim() } : null,
      description: notes.trim() ? notes : null,
    }),
  );
  const errors = form.fieldErrors;
  return (
    <form onSubmit={form.submit} noValidate class="hangout-form">
      <FormError message={form.formError} />
      <Field
        label="Title"
        name="title"
        required
        value={title}
        error={errors.title}
        onInput={(e) => setTitle(e.currentTarget.value)}
      />
      <div class="row">
        <Field
          label="Starts at"
          name="startsAt"
          type="datetime-local"
          required
          value={startsAt}
          error={errors.startsAt}
          onInput={(e) => setStartsAt(e.currentTarget.value)}
        />
        <Field
          label="Ends at"
          name="endsAt"
          type="datetime-local"
          value={endsAt}
          error={errors.endsAt}
          onInput={(e) => setEndsAt(e.currentTarget.value)}
        />
      </div>
      <Field
        label="Place"
        name="place"
        value={place}
        error={errors.location}
        onInput={(e) => setPlace(e.currentTarget.value)}
      />
      <Field
        label="Notes"
        name="notes"
        multiline
        value={notes}
        error={errors.description}
        onInput={(e) => setNotes(e.currentTarget.value)}
      />
      <div class="actions">
        <button type="submit" disabled={form.busy}>
          {submitLabel}
        </button>
        {onCancel && (
          <button type="button" class="secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
