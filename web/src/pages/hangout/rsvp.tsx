/** The caller's answer to the hangout: Going, Maybe or Not going, one press each. */
import { useRef } from "preact/hooks";
import { call, hangoutApi } from "../../api/client.ts";
import type { Member, Rsvp } from "../../api/types.ts";
import { FormError } from "../../components/field.tsx";
import { useSubmit } from "../../components/use-form.ts";

type Answer = Exclude<Rsvp, "pending">;

export const RSVP_LABEL: Record<Rsvp, string> = {
  going: "Going",
  maybe: "Maybe",
  declined: "Not going",
  pending: "Invited",
};

const ANSWERS: Answer[] = ["going", "maybe", "declined"];

export interface RsvpControlProps {
  hangoutId: string;
  current: Rsvp;
  onChanged(member: Member): void;
}

export function RsvpControl({ hangoutId, current, onChanged }: RsvpControlProps) {
  const chosen = useRef<Answer>("going");
  const send = useSubmit(async () => {
    const rsvp = chosen.current;
    onChanged(
      await call(() =>
        hangoutApi.PUT("/hangouts/{id}/rsvp", {
          params: { path: { id: hangoutId } },
          body: { rsvp },
        }),
      ),
    );
  });
  return (
    <div class="rsvp">
      <fieldset class="actions">
        <legend>Your RSVP</legend>
        {ANSWERS.map((answer) => (
          // Not disabled while sending: a disabled button would drop the keyboard focus.
          <button
            key={answer}
            type="button"
            class={`rsvp-${answer}`}
            aria-pressed={current === answer}
            onClick={() => {
              chosen.current = answer;
              void send.submit();
            }}
          >
            {RSVP_LABEL[answer]}
          </button>
        ))}
      </fieldset>
      {current === "pending" && <p class="hint">You have not answered yet.</p>}
      <FormError message={send.formError} />
    </div>
  );
}
