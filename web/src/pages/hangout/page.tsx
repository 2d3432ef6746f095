/**
 * One hangout: its details, its people, its activities and its photos, kept current by the
 * hangout's event stream so that other members' changes appear without a reload.
 */
import { useLocation } from "preact-iso";
import { session } from "../../api/session.ts";
import { Photos } from "../../photos/photos.tsx";
import { Activities } from "./activities.tsx";
import { HangoutDetails } from "./details.tsx";
import { People } from "./members.tsx";
import { OwnerControls } from "./owner-controls.tsx";
import { useHangoutData } from "./use-hangout-data.ts";
import { useHangoutLive } from "./use-hangout-live.ts";

const MISSING = {
  title: "Hangout not found",
  message: "This hangout does not exist or you are not a member.",
};

/** Why the page can no longer show the hangout, by the reason its stream ended. */
const ENDED: Record<string, { title: string; message: string }> = {
  deleted: { title: "Hangout deleted", message: "This hangout was deleted by its organiser." },
  removed: { title: "Removed from hangout", message: "You were removed from this hangout." },
  left: { title: "You left this hangout", message: "You are no longer a member of this hangout." },
  "not-found": MISSING,
};

function Gone({ title, message }: { title: string; message: string }) {
  return (
    <section class="narrow gone">
      <h1>{title}</h1>
      <p role="alert">{message}</p>
      <a href="/">Back to your hangouts</a>
    </section>
  );
}

/** A new view for each hangout: nothing of the previous one's state or stream is kept. */
export function HangoutPage({ id }: { id: string }) {
  return <HangoutView key={id} id={id} />;
}

function HangoutView({ id }: { id: string }) {
  const current = session.value;
  const me = current.status === "signed-in" ? current.user : undefined;
  const myId = me?.id ?? "";
  const data = useHangoutData(id, myId);
  const lastMemoryChange = useHangoutLive(data, id, myId);
  const { route } = useLocation();

  /** Leaving or deleting: the stream's end that follows is expected, and the page is left. */
  const depart = async (request: () => Promise<unknown>) => {
    data.departing.current = true;
    try {
      await request();
    } catch (error) {
      data.departing.current = false;
      throw error;
    }
    route("/");
  };

  const { phase, hangout } = data;
  if (!me) return null;
  if (phase.kind === "loading") return <p class="loading">Loading…</p>;
  if (phase.kind === "opening") {
    return (
      <p class="loading" role="status">
        Opening your invitation…
      </p>
    );
  }
  if (phase.kind === "missing") return <Gone {...MISSING} />;
  if (phase.kind === "ended") return <Gone {...(ENDED[phase.reason] ?? MISSING)} />;
  if (phase.kind === "failed" || !hangout) {
    return (
      <section class="narrow">
        <h1>Hangout</h1>
        <p class="form-error" role="alert">
          {phase.kind === "failed" ? phase.message : "Something went wrong. Try again."}
        </p>
        <button type="button" onClick={data.retry}>
          Try again
        </button>
      </section>
    );
  }

  const organiser = data.members.items?.find((m) => m.role === "owner")?.name;
  return (
    <article class={`hangout status-${hangout.status}`}>
      <h1>{hangout.title}</h1>
      <HangoutDetails hangout={hangout} {...(organiser ? { organiser } : {})} />
      {data.isOwner && (
        <OwnerControls hangout={hangout} onChanged={data.setHangout} depart={depart} />
      )}
      <People hangout={hangout} me={me} data={data} depart={depart} />
      <Activities
        hangoutId={hangout.id}
        section={data.activities}
        members={data.members.items}
        onProposed={data.upsertActivity}
      />
      {/* Its own section with the "Photos" heading; a full reload starts it afresh. */}
      <Photos
        key={data.reloads}
        hangoutId={hangout.id}
        ownerId={hangout.ownerId}
        userId={me.id}
        lastChange={lastMemoryChange}
      />
    </article>
  );
}
