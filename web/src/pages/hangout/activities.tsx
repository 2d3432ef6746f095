/**
 * The Activities section: what members propose to do, with a vote each. The list keeps the
 * order it was loaded in (most votes first) while votes come in, so a button does not move
 * away from under the pointer or the keyboard focus; new proposals join at the end.
 */
import { useState } from "preact/hooks";
import { call, hangoutApi } from "../../api/client.ts";
import type { Activity, Member } from "../../api/types.ts";
import { Field, FormError } from "../../components/field.tsx";
import { useSubmit } from "../../components/use-form.ts";
import type { Section } from "./use-section.ts";

const votesText = (n: number) => `${n} ${n === 1 ? "vote" : "votes"}`;

interface VoteButtonProps {
  hangoutId: string;
  activity: Activity;
  onVoted(activityId: string, voted: boolean): void;
}

function VoteButton({ hangoutId, activity, onVoted }: VoteButtonProps) {
  const vote = useSubmit(async () => {
    const voted = !activity.votedByMe;
    const options = { params: { path: { id: hangoutId, activityId: activity.id } } };
    const path = "/hangouts/{id}/activities/{activityId}/vote" as const;
    await call(() => (voted ? hangoutApi.PUT(path, options) : hangoutApi.DELETE(path, options)));
    onVoted(activity.id, voted);
  });
  return (
    <>
      {/* Not disabled while sending: a disabled button would drop the keyboard focus. */}
      <button
        type="button"
        class="vote"
        aria-pressed={activity.votedByMe}
        aria-label={`Vote for ${activity.title}`}
        onClick={() => void vote.submit()}
      >
        Vote
      </button>
      {vote.formError && (
        <span class="error" role="alert">
          {vote.formError}
        </span>
      )}
    </>
  );
}

function ProposeForm({
  hangoutId,
  onProposed,
}: {
  hangoutId: string;
  onProposed(a: Activity): void;
}) {
  const [title, setTitle] = useState("");
  const [notes, setNotes] = useState("");
  const form = useSubmit(async () => {
    const activity = await call(() =>
      hangoutApi.POST("/hangouts/{id}/activities", {
        params: { path: { id: hangoutId }, header: { "idempotency-key": crypto.randomUUID() } },
        body: { title, notes: notes.trim() ? notes : null },
      }),
    );
    onProposed(activity);
    setTitle("");
    setNotes("");
  });
  return (
    <form class="propose" onSubmit={form.submit} noValidate>
      <FormError message={form.formError} />
      <Field
        label="Activity"
        name="title"
        required
        value={title}
        error={form.fieldErrors.title}
        onInput={(e) => setTitle(e.currentTarget.value)}
      />
      <Field
        label="Details"
        name="notes"
        multiline
        hint="Optional: where, what it costs, what to bring."
        value={notes}
        error={form.fieldErrors.notes}
        onInput={(e) => setNotes(e.currentTarget.value)}
      />
      <div class="actions">
        <button type="submit" disabled={form.busy}>
          Propose
        </button>
      </div>
    </form>
  );
}

export interface ActivitiesProps {
  hangoutId: string;
  section: Section<Activity>;
  members: Member[] | undefined;
  onProposed(activity: Activity): void;
}

export function Activities({ hangoutId, section, members, onProposed }: ActivitiesProps) {
  const nameOf = (userId: string) => members?.find((m) => m.userId === userId)?.name;
  // Applied to the list as it is then: the live change of the same vote may have come first.
  const onVoted = (activityId: string, voted: boolean) =>
    section.update((items) =>
      items.map((a) =>
        a.id !== activityId || a.votedByMe === voted
          ? a
          : { ...a, votedByMe: voted, votes: a.votes + (voted ? 1 : -1) },
      ),
    );
  return (
    <section class="section activities" aria-labelledby="activities-heading">
      <h2 id="activities-heading">Activities</h2>
      {section.error && (
        <p class="form-error" role="alert">
          {section.error}
        </p>
      )}
      {!section.items && !section.error && <p class="loading">Loading…</p>}
      {section.items?.length === 0 && <p class="empty">No activities yet. Propose one below.</p>}
      {section.items && section.items.length > 0 && (
        <ul class="activity-list">
          {section.items.map((activity) => (
            <li key={activity.id} class={`card activity${activity.votedByMe ? " voted" : ""}`}>
              <strong class="title">{activity.title}</strong>
              {activity.notes && <p class="notes">{activity.notes}</p>}
              {nameOf(activity.proposedBy) && (
                <p class="meta">Proposed by {nameOf(activity.proposedBy)}</p>
              )}
              <div class="actions">
                <span class="votes">
                  {votesText(activity.votes)}
                  {activity.votedByMe && " · you voted"}
                </span>
                <VoteButton hangoutId={hangoutId} activity={activity} onVoted={onVoted} />
              </div>
            </li>
          ))}
        </ul>
      )}
      <h3>Propose an activity</h3>
      <ProposeForm hangoutId={hangoutId} onProposed={onProposed} />
    </section>
  );
}
