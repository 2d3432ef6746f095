/**
 * A button for an action that cannot be undone: pressing it asks first, in place. The question
 * takes the focus to its confirm button (named like the action, so it is pressed twice); Escape
 * or the dismiss button put the question away and the focus back on the action.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { FormError } from "../../components/field.tsx";
import { useSubmit } from "../../components/use-form.ts";

export interface ConfirmButtonProps {
  /** The action's name: the button's and the confirming button's. */
  label: string;
  question: string;
  /** The button that puts the question away ("No, keep it" unless named). */
  dismissLabel?: string;
  action(): Promise<unknown>;
}

export function ConfirmButton({ label, question, dismissLabel, action }: ConfirmButtonProps) {
  const [asking, setAsking] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  const confirm = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);
  const run = useSubmit(async () => {
    await action();
    return true;
  });

  useEffect(() => {
    if (asking) confirm.current?.focus();
    else if (wasAsking.current) trigger.current?.focus();
    wasAsking.current = asking;
  }, [asking]);

  if (!asking) {
    return (
      <button type="button" class="danger" ref={trigger} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <fieldset
      class="confirm"
      onKeyDown={(event) => {
        if (event.key === "Escape") setAsking(false);
      }}
    >
      <legend>{question}</legend>
      <FormError message={run.formError} />
      <div class="actions">
        <button
          type="button"
          class="danger"
          ref={confirm}
          onClick={async () => {
            if (await run.submit()) setAsking(false);
          }}
        >
          {label}
        </button>
        <button type="button" class="secondary" onClick={() => setAsking(false)}>
          {dismissLabel ?? "No, keep it"}
        </button>
      </div>
    </fieldset>
  );
}
