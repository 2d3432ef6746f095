/** What the hangout is: when, where, its status and the notes, as every member sees them. */
import type { Hangout, HangoutStatus } from "../../api/types.ts";
import { formatWhen } from "../../components/dates.ts";

export const STATUS_LABEL: Record<HangoutStatus, string> = {
  planning: "Planning",
  confirmed: "Confirmed",
  done: "Done",
  cancelled: "Cancelled",
};

export function HangoutDetails({ hangout, organiser }: { hangout: Hangout; organiser?: string }) {
  const { startsAt, endsAt, location, status, description } = hangout;
  return (
    <dl class="details">
      <dt>When</dt>
      <dd>
        <time dateTime={startsAt}>{formatWhen(startsAt)}</time>
        {endsAt && (
          <>
            {" – "}
            <time dateTime={endsAt}>{formatWhen(endsAt)}</time>
          </>
        )}
      </dd>
      {location && (
        <>
          <dt>Where</dt>
          <dd>
            {location.name}
            {location.address && `, ${location.address}`}
          </dd>
        </>
      )}
      <dt>Status</dt>
      <dd>
        <span class={`badge status-${status}`}>{STATUS_LABEL[status]}</span>
      </dd>
      {organiser && (
        <>
          <dt>Organiser</dt>
          <dd>{organiser}</dd>
        </>
      )}
      {description && (
        <>
          <dt>Notes</dt>
          <dd class="notes">{description}</dd>
        </>
      )}
    </dl>
  );
}
