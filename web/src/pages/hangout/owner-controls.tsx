/**
 * The owner's controls of the hangout itself: edit its fields, move its status along
 * (planning → confirmed → done, or cancelled before it is done) and delete it.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { call, hangoutApi } from "../../api/client.ts";
import type { Hangout, HangoutChanges, HangoutStatus } from "../../api/types.ts";
import { FormError } from "../../components/field.tsx";
import { HangoutForm } from "../../components/hangout-form.tsx";
import { useSubmit } from "../../components/use-form.ts";
import { ConfirmButton } from "./confirm.tsx";

/** The moves the API allows from each status, but cancelling (which asks first). */
const NEXT: Record<HangoutStatus, { to: HangoutStatus; label: string } | undefined> = {
  planning: { to: "confirmed", label: "Mark confirmed" },
  confirmed: { to: "done", label: "Mark done" },
  done: undefined,
  cancelled: undefined,
};

const patch = (id: string, body: HangoutChanges) =>
  call(() => hangoutApi.PATCH("/hangouts/{id}", { params: { path: { id } }, body }));

export interface OwnerControlsProps {
  hangout: Hangout;
  onChanged(hangout: Hangout): void;
  /** Sends the request that takes the caller out of the hangout, then leaves the page. */
  depart(request: () => Promise<unknown>): Promise<void>;
}

export function OwnerControls({ hangout, onChanged, depart }: OwnerControlsProps) {
  const [editing, setEditing] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const editor = useRef<HTMLDivElement>(null);
  const wasEditing = useRef(false);
  const next = NEXT[hangout.status];
  const move = useSubmit(async () => {
    if (next) onChanged(await patch(hangout.id, { status: next.to }));
  });

  useEffect(() => {
    if (editing) editor.current?.querySelector("input")?.focus();
    else if (wasEditing.current) editButton.current?.focus();
    wasEditing.current = editing;
  }, [editing]);

  if (editing) {
    return (
      <div class="card edit" ref={editor}>
        <h2>Edit hangout</h2>
        <HangoutForm
          initial={hangout}
          submitLabel="Save"
          onCancel={() => setEditing(false)}
          onSubmit={async (values) => {
            onChanged(await patch(hangout.id, values));
            setEditing(false);
          }}
        />
      </div>
    );
  }

  const open = hangout.status === "planning" || hangout.status === "confirmed";
  return (
    <div class="owner-controls">
      <FormError message={move.formError} />
      <div class="actions">
        <button type="button" ref={editButton} onClick={() => setEditing(true)}>
          Edit hangout
        </button>
        {next && (
          <button
            type="button"
            class="secondary"
            disabled={move.busy}
            onClick={() => void move.submit()}
          >
            {next.label}
          </button>
        )}
        {open && (
          <ConfirmButton
            label="Cancel hangout"
            question="Cancel this hangout for everyone? It cannot be planned again afterwards."
            action={async () => onChanged(await patch(hangout.id, { status: "cancelled" }))}
          />
        )}
        <ConfirmButton
          label="Delete hangout"
          question="Delete this hangout with its activities and photos? This cannot be undone."
          action={() =>
            depart(() =>
              call(() =>
                hangoutApi.DELETE("/hangouts/{id}", { params: { path: { id: hangout.id } } }),
              ),
            )
          }
        />
      </div>
    </div>
  );
}
