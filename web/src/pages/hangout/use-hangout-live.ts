/**
 * The hangout's event stream while its page is shown, each change applied to the page's data
 * (apply-change.ts). Returns the latest memory change, for the photos to apply.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { type LiveChange, openLive } from "../../api/live.ts";
import { applyChange, type LiveTarget } from "./apply-change.ts";
import type { HangoutData } from "./use-hangout-data.ts";

export function useHangoutLive(data: HangoutData, id: string, myId: string) {
  const [lastMemoryChange, setLastMemoryChange] = useState<LiveChange | undefined>();
  const target: LiveTarget = {
    myId,
    isOwner: data.isOwner,
    setHangout: data.setHangout,
    reload: data.reload,
    end: data.end,
    upsertMember: data.upsertMember,
    removeMember: data.removeMember,
    loadMembers: data.members.load,
    loadInvitations: data.invitations.load,
    upsertActivity: data.upsertActivity,
    loadActivities: data.activities.load,
    memoryChanged: setLastMemoryChange,
  };
  // The stream stays open across renders and applies each change to the latest render's data.
  const latest = useRef(target);
  latest.current = target;

  const active = data.phase.kind === "ready";
  useEffect(() => {
    if (!active) return;
    return openLive(`/hangouts/${encodeURIComponent(id)}/events`, {
      change: (change) => applyChange(change, latest.current),
      reload: () => latest.current.reload(),
      ended: (reason) => latest.current.end(reason),
    });
  }, [id, active]);

  return lastMemoryChange;
}
