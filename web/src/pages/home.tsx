/**
 * The signed-in person's hangouts: upcoming first (soonest first), then past (latest first).
 * Invitations show as such. The list follows the caller's event stream, so a new invitation
 * appears without a reload.
 */
import { useCallback, useEffect, useState } from "preact/hooks";
import { call, hangoutApi } from "../api/client.ts";
import { openLive } from "../api/live.ts";
import { messageOf } from "../api/problem.ts";
import type { HangoutSummary } from "../api/types.ts";
import { formatWhen } from "../components/dates.ts";
import { splitByTime } from "./hangout-order.ts";

/** Pages read for the list: a person in more hangouts than this sees the first ones. */
const MAX_PAGES = 10;

async function allHangouts(): Promise<HangoutSummary[]> {
  const items: HangoutSummary[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const data = await call(() =>
      hangoutApi.GET("/hangouts", {
        params: { query: { limit: "100", ...(cursor ? { cursor } : {}) } },
      }),
    );
    items.push(...data.items);
    if (!data.nextCursor) break;
    cursor = data.nextCursor;
  }
  return items;
}

const RSVP_LABEL = { going: "Going", maybe: "Maybe", declined: "Not going", pending: "Invited" };

function HangoutItem({ hangout }: { hangout: HangoutSummary }) {
  return (
    <li class={`card status-${hangout.status}`}>
      <a href={`/hangout/${hangout.id}`}>
        <strong>{hangout.title}</strong>
      </a>
      <span class="when">{formatWhen(hangout.startsAt)}</span>
      {hangout.location && <span class="place">{hangout.location.name}</span>}
      <span class={`badge rsvp-${hangout.myRsvp}`}>{RSVP_LABEL[hangout.myRsvp]}</span>
      {hangout.status === "cancelled" && <span class="badge cancelled">Cancelled</span>}
    </li>
  );
}

export function Home() {
  const [items, setItems] = useState<HangoutSummary[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const load = useCallback(() => {
    allHangouts().then(
      (found) => {
        setItems(found);
        setError(undefined);
      },
      (failure) => setError(messageOf(failure)),
    );
  }, []);

  useEffect(() => {
    load();
    // Any change to one of the caller's hangouts (an invitation included) reloads the list.
    let pending: ReturnType<typeof setTimeout> | undefined;
    const soon = () => {
      clearTimeout(pending);
      pending = setTimeout(load, 150);
    };
    const close = openLive("/me/events", { change: soon, reload: soon });
    return () => {
      clearTimeout(pending);
      close();
    };
  }, [load]);

  const { upcoming, past } = splitByTime(items ?? []);
  return (
    <section>
      <div class="heading">
        <h1>Your hangouts</h1>
        <a class="button" href="/new">
          New hangout
        </a>
      </div>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {!items && !error && <p class="loading">Loading…</p>}
      {items && items.length === 0 && (
        <p class="empty">No hangouts yet. Create one and invite your friends.</p>
      )}
      {upcoming.length > 0 && (
        <>
          <h2>Upcoming</h2>
          <ul class="cards" aria-label="Upcoming hangouts">
            {upcoming.map((h) => (
              <HangoutItem key={h.id} hangout={h} />
            ))}
          </ul>
        </>
      )}
      {past.length > 0 && (
        <>
          <h2>Past</h2>
          <ul class="cards" aria-label="Past hangouts">
            {past.map((h) => (
              <HangoutItem key={h.id} hangout={h} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
