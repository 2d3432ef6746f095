/**
 * What the hangout page shows and how it gets it. The hangout comes first; someone who just
 * signed up from an invitation may get here before the hangout service has taken the invitation
 * up, so a 404 is asked again for a few seconds before it counts as "not a member".
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError, messageOf } from "../../api/problem.ts";
import type { Activity, Hangout, Member } from "../../api/types.ts";
import { fetchActivities, fetchHangout, fetchInvitations, fetchMembers } from "./load.ts";
import { upsert, useSection } from "./use-section.ts";

const OPENING_MS = 10_000;
const RETRY_MS = 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type Phase =
  | { kind: "loading" }
  | { kind: "opening" }
  | { kind: "missing" }
  | { kind: "failed"; message: string }
  | { kind: "ready" }
  /** The live stream ended for good: `left`, `removed`, `deleted` or `not-found`. */
  | { kind: "ended"; reason: string };

const isNotFound = (error: unknown) => error instanceof ApiError && error.status === 404;

export function useHangoutData(id: string, myId: string) {
  const [hangout, setHangout] = useState<Hangout | undefined>();
  const [phase, setPhase] = useState<Phase>({ kind: "loading" });
  const [attempt, setAttempt] = useState(0);
  // Bumped by a full reload: the sections load again and the photos start afresh.
  const [reloads, setReloads] = useState(0);
  // Set while the caller leaves or deletes: the stream's "left"/"deleted" is then no news.
  const departing = useRef(false);
  const members = useSection(fetchMembers, id);
  const activities = useSection(fetchActivities, id);
  const invitations = useSection(fetchInvitations, id);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const started = Date.now();
    const open = () => {
      fetchHangout(id).then(
        (found) => {
          if (stopped) return;
          setHangout(found);
          setPhase({ kind: "ready" });
        },
        (failure) => {
          if (stopped) return;
          if (!isNotFound(failure))
            return setPhase({ kind: "failed", message: messageOf(failure) });
          if (!UUID.test(id) || Date.now() - started >= OPENING_MS) {
            return setPhase({ kind: "missing" });
          }
          setPhase({ kind: "opening" });
          timer = setTimeout(open, RETRY_MS);
        },
      );
    };
    setPhase({ kind: "loading" });
    open();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [id, attempt]);

  const ready = phase.kind === "ready";
  const isOwner = hangout?.ownerId === myId;
  useEffect(() => {
    if (!ready) return;
    members.load();
    activities.load();
    if (isOwner) invitations.load();
  }, [ready, isOwner, reloads, members.load, activities.load, invitations.load]);

  const end = useCallback((reason: string) => {
    if (!departing.current) setPhase({ kind: "ended", reason });
  }, []);

  /** Everything again, as after a gap in the live stream too long to replay. */
  const reload = useCallback(() => {
    fetchHangout(id).then(
      (found) => {
        setHangout(found);
        setReloads((n) => n + 1);
      },
      (failure) => {
        if (isNotFound(failure)) end("not-found");
      },
    );
  }, [id, end]);

  const upsertMember = useCallback(
    (member: Member) => {
      members.update((items) => upsert(items, member, (m) => m.userId === member.userId));
      if (member.userId === myId) setHangout((h) => h && { ...h, myRsvp: member.rsvp });
    },
    [members.update, myId],
  );

  const removeMember = useCallback(
    (userId: string) => members.update((items) => items.filter((m) => m.userId !== userId)),
    [members.update],
  );

  const upsertActivity = useCallback(
    (activity: Activity) =>
      activities.update((items) => upsert(items, activity, (a) => a.id === activity.id)),
    [activities.update],
  );

  return {
    hangout,
    setHangout,
    phase,
    isOwner,
    reloads,
    members,
    activities,
    invitations,
    /** Asks for the hangout again after a failure that was not a 404. */
    retry: () => setAttempt((n) => n + 1),
    reload,
    end,
    departing,
    upsertMember,
    removeMember,
    upsertActivity,
  };
}

export type HangoutData = ReturnType<typeof useHangoutData>;
